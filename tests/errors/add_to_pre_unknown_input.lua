-- pre_input names Isyn or an input of the presynaptic neuron model
-- expect: 9: error: projection 'AB': pre_input 'Efb' is not an input of the presynaptic neuron model 'two' (it has: Isyn, E_fb, I_x)
network { name = "add_to_pre_unknown_input" }
local two = neuron { name = "two", vars = { V = 0.0 }, inputs = { "E_fb", "I_x" },
                     sim = "V += Isyn + E_fb + I_x;" }
local A = population { "A", two, 4 }
local B = population { "B", lif, 4 }
local fb = synapse { name = "fb", vars = { w = 0.1 }, dynamics = "add_to_pre(w);" }
projection { A, B, name = "AB", conn = all_to_all(), synapse = fb,
             pre_input = "Efb" }
