-- record{} of a synapse variable with an 'every' that is not a whole number of steps.
-- expect: 6: error: record: projection 'E_to_E': 'every' must be a whole number of steps >= 1 (got 0.5)

local E = population { "E", lif, 10 }
projection { E, E, conn = fixed_indegree(2), synapse = stdp }
record { E_to_E = { "w", every = 0.5 } }
