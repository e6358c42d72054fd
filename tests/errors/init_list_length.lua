-- A Lua list of initial values needs one value per neuron.
-- expect: 5: error: population 'P': init of 'V': the list has 3 values; it needs one per neuron (4)

network { name = "init_list_length" }
population { "P", lif, 4, init = { V = { -70.0, -65.0, -60.0 } } }
