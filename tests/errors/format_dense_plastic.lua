-- Dense matrices run weight update models only when every cell is a synapse (all_to_all)
-- expect: 7: error: projection 'E_to_E': format = "dense" with a weight update model needs all_to_all (every cell of the matrix a synapse); store a fixed_probability projection with format = "sparse"

local E = population { "E", lif, 100 }
local hebb = synapse { name = "hebb", params = { a = 0.01 }, vars = { w = 0.1 },
                       on_pre = "w += a;" }
projection { E, E, conn = fixed_probability(0.1), synapse = hebb, format = "dense" }
