-- fixed_outdegree within a one-neuron population without autapses: no target at all.
-- expect: 5: error: projection 'E_to_E': fixed_outdegree(1) has no possible target

local E = population { "E", lif, 1 }
projection { E, E, conn = fixed_outdegree(1, { autapses = false }), weight = 1.0 }
