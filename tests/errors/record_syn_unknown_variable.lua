-- record{} asks for a synapse variable that the projection's weight update model does not have.
-- expect: 7: error: record: projection 'E_to_E' has no synapse variable 'x' (did you mean 'w'?)

local E = population { "E", lif, 10 }
projection { E, E, conn = fixed_indegree(2), synapse = stdp }
record { E = "spikes" }
record { E_to_E = { "x", every = 10 } }
