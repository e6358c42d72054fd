-- record{} asks for a synapse variable of a static projection (no weight update model).
-- expect: 6: error: record: projection 'E_to_E' has static synapses (no weight update model): it has no synapse variables to record

local E = population { "E", lif, 10 }
projection { E, E, conn = fixed_indegree(2), weight = 1.0 }
record { E_to_E = "w" }
