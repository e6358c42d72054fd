-- The CUDA back end does not run dense projections with weight update models yet
-- snncc: -b cuda
-- expect: 8: error: projection 'E_to_E': format = "dense" with a weight update model (synapse 'hebb'): the cuda back end does not support it yet (the C back end does; format = "sparse" holds the same synapses)

local E = population { "E", lif, 100 }
local hebb = synapse { name = "hebb", params = { a = 0.01 }, vars = { w = 0.1 },
                       on_pre = "w += a;" }
projection { E, E, conn = all_to_all(), synapse = hebb, format = "dense" }
