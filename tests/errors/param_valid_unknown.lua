-- 'valid' may only constrain the model's parameters (with a did-you-mean hint).
-- expect: 5: error: neuron 'm': valid: no parameter 'tua' (did you mean 'tau'?)

network { name = "p", dt = 0.1 }
local m = neuron { name = "m", params = { tau = 5.0 }, valid = { tua = "> 0" },
                   vars = { V = 0.0 }, sim = "V -= dt * V / tau;", threshold = "V > 1.0" }
population { "E", m, 10 }
