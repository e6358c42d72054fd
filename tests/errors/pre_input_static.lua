-- pre_input is where add_to_pre of a weight update model adds: not for static synapses
-- expect: 5: error: projection 'EE': pre_input needs a weight update model (synapse = ...) whose code calls add_to_pre
network { name = "pre_input_static" }
local E = population { "E", lif, 10 }
projection { E, E, name = "EE", conn = all_to_all(), weight = 1.0, pre_input = "Isyn" }
