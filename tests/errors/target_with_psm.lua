-- target adds weights straight into a variable, so it cannot go with a postsynaptic model
-- other than delta.
-- expect: 6: error: projection 'E_to_E': 'target' adds the weights straight into a variable of the target neuron; it cannot be combined with psm = exp_curr

local E = population { "E", lif, 20 }
projection { E, E, conn = fixed_total(10), weight = 1.0, psm = exp_curr(2.0), target = "V" }
