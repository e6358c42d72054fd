-- A neuron model with an extra global parameter and a population that does not give it.
-- expect: 6: error: population 'n': neuron 'm' needs the extra global parameter 'I_ext'

local m = neuron { name = "m", vars = { V = 0.0 }, egp = { "I_ext" },
                   sim = "V += I_ext[id];" }
population { "n", m, 3 }
