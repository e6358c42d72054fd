-- Dense matrices do not run weight update models.
-- expect: 7: error: projection 'E_to_E': format = "dense" does not support weight update models (synapse = ...); use format = "sparse"

local E = population { "E", lif, 100 }
local hebb = synapse { name = "hebb", params = { a = 0.01 }, vars = { w = 0.1 },
                       on_pre = "w += a;" }
projection { E, E, conn = all_to_all(), synapse = hebb, format = "dense" }
