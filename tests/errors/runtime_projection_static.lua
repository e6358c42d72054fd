-- Runtime parameters of a projection are its weight update model's; a static one has none.
-- expect: 5: error: projection 'E_to_E': 'runtime' names parameters of a weight update model; this projection has none (add synapse = ...)

local E = population { "E", lif, 10 }
projection { E, E, conn = all_to_all(), weight = 1.0, runtime = { "A_plus" } }
