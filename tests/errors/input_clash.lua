-- An additional input with the name of one of the neuron's variables.
-- expect: 4: error: neuron 'm': 'g' is both an input and a variable

local m = neuron { name = "m", vars = { V = 0.0, g = 0.0 }, inputs = { "g" }, sim = "V += g;" }
population { "P", m, 10 }
