-- A code-string initial value in a neuron model is checked even when no population uses
-- the model, like its code.
-- expect: 6: error: neuron 'm': initial value of 'u': unknown name 'w'

network { name = "init_expr_model" }
local m = neuron { name = "m", params = { b = 0.2 }, vars = { u = "b * w", v = 0.0 } }
population { "P", lif, 1 }
