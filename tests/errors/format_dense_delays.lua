-- Dense matrices have no per-synapse delays.
-- expect: 5: error: projection 'E_to_E': format = "dense" does not support per-synapse delays; use one delay or format = "sparse"

local E = population { "E", lif, 100 }
projection { E, E, conn = all_to_all(), weight = 0.1, delay = uniform(0.5, 2.0), format = "dense" }
