-- A neuron variable name of 65 characters is one too many.
-- expect-any: error: neuron: name 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...' is too long (65 characters; names have at most 64)
-- expect: 8: error: neuron: name

network { name = "long_var", dt = 0.1 }
local vars = {}
vars[string.rep("v", 65)] = 0.0
local m = neuron { name = "m", vars = vars, threshold = "t > 1.0" }
population { "E", m, 10 }
