-- A one-neuron population projecting onto itself without autapses has no source to offer.
-- expect: 5: error: projection 'P_to_P': fixed_indegree(1) has no possible source ('P' has one neuron and autapses are off)
network { name = "no_source" }
local P = population { "P", lif, 1 }
projection { P, P, conn = fixed_indegree(1, { autapses = false }), weight = 1.0 }
