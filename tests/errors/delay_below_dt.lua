-- A synaptic delay shorter than one time step.
-- expect: 6: error: projection 'E_to_E': delay 0.05 ms is shorter than one time step (dt = 0.1 ms)

network { dt = 0.1 }
local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_indegree(10), weight = 1.0, delay = 0.05 }
