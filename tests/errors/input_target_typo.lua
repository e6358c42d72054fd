-- A projection's target misspells one of the target neuron's inputs.
-- expect: 7: error: projection 'P_to_P': target 'I_inb' is not a variable of neuron 'm' nor one of its inputs (did you mean 'I_inh'?)

local m = neuron { name = "m", vars = { V = 0.0 }, inputs = { "I_inh" },
                   sim = "V += Isyn - I_inh;", threshold = "V > 1", reset = "V = 0;" }
local P = population { "P", m, 10 }
projection { P, P, conn = fixed_probability(0.1), weight = 1.0, psm = exp_curr(5.0), target = "I_inb" }
