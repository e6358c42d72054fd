-- A malformed constraint, or one naming no parameter, is an error at the neuron{} line.
-- expect: 5: error: neuron 'm': valid: constraint "> 0, tau" of 'tau': expected one of > >= < <= != at "tau" (e.g. "> 0" or ">= 0, != tau_m")

network { name = "p", dt = 0.1 }
local m = neuron { name = "m", params = { tau = 5.0 }, valid = { tau = "> 0, tau" },
                   vars = { V = 0.0 }, sim = "V -= dt * V / tau;", threshold = "V > 1.0" }
population { "E", m, 10 }
