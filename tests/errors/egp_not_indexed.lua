-- An extra global parameter is an array: its bare name is not a value.
-- expect: 5: error: neuron 'm' sim code: 'I_ext' is an extra global parameter (an array): read an element, e.g. I_ext[id]

local m = neuron { name = "m", vars = { V = 0.0 }, egp = { "I_ext" },
                   sim = "V += I_ext;" }
population { "n", m, 1, egp = { I_ext = { 1.0 } } }
