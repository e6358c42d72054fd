-- The CUDA back end does not run custom updates yet: refused at compile time.
-- expect: 12: error: custom_update 'Smx': the cuda back end cannot run custom updates yet (the C back end can)
-- snncc: -b cuda

network { name = "e", dt = 1.0 }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 }, sim = "V = 1.0;",
                      threshold = "V > 2.0", reset = "V = 0.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 }, dynamics = "g += 1.0;" }
local Out = population { "Out", wave, 10 }
local Hid = population { "Hid", wave, 20 }
projection { Hid, Out, name = "HO", conn = all_to_all(), synapse = syn }
custom_update { name = "Smx", group = "Softmax",
  var_refs = { V = ref_rw("Out", "V") }, code = "V = 2.0 * V;" }
