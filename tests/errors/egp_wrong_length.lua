-- An extra global parameter needs one value per neuron.
-- expect: 6: error: population 'n': egp 'I_ext' has 2 values; it needs one per neuron (3)

local m = neuron { name = "m", vars = { V = 0.0 }, egp = { "I_ext" },
                   sim = "V += I_ext[id];" }
population { "n", m, 3, egp = { I_ext = { 1.0, 2.0 } } }
