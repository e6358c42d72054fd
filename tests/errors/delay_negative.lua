-- A negative synaptic delay (-1 used to be taken silently as "no delay given").
-- expect: 5: error: projection 'E_to_E': 'delay' must be a finite number of ms >= 0 (got -1)

local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_indegree(10), weight = 1.0, delay = -1 }
