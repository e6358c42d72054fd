-- Dense plastic projections hold every cell: all_to_all without autapses leaves the diagonal out
-- expect: 7: error: projection 'E_to_E': format = "dense" with a weight update model needs all_to_all (every cell of the matrix a synapse, autapses included); store it with format = "sparse"

local E = population { "E", lif, 100 }
local hebb = synapse { name = "hebb", params = { a = 0.01 }, vars = { w = 0.1 },
                       on_pre = "w += a;" }
projection { E, E, conn = all_to_all { autapses = false }, synapse = hebb, format = "dense" }
