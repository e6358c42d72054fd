-- add_to_post and add_to_pre are not generated for the CUDA back end yet
-- snncc: -b cuda
-- expect: 9: error: projection 'EE': synapse 'fb' calls add_to_post and add_to_pre; the cuda back end does not support add_to_post and add_to_pre yet (the C back end does)
network { name = "add_to_cuda" }
local E = population { "E", lif, 10 }
local fb = synapse { name = "fb", vars = { w = 0.1 },
                     on_pre = "add_to_post(w);",
                     dynamics = "add_to_pre(0.1 * w);" }
projection { E, E, name = "EE", conn = all_to_all(), synapse = fb, pre_input = "Isyn" }
