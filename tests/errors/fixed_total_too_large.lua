-- fixed_total without multapses (and without autapses) asks for more synapses than there
-- are distinct pairs: 20 x 20 - 20 = 380.
-- expect: 7: error: projection 'E_to_E': fixed_total(381) without multapses needs that many distinct pairs, but there are 380

local E = population { "E", lif, 20 }
projection { E, E, weight = 1.0,
             conn = fixed_total(381, { multapses = false, autapses = false }) }
