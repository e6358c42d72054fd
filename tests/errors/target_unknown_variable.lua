-- A projection's target names a variable that the target neuron does not have (coba-style
-- "ge" onto a plain lif); reported at the projection.
-- expect: 7: error: projection 'E_to_I': target 'ge' is not a variable of neuron 'lif'

local E = population { "E", lif, 10 }
local I = population { "I", lif, 10 }
projection { E, I, conn = fixed_indegree(5), weight = 1.0, target = "ge" }
