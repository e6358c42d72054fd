-- The run config schedules a custom-update group the model does not have.
-- expect-any: --set 'custom_updates.Sofmax.every=3': unknown custom-update group 'Sofmax' in 'custom_updates' (did you mean 'Softmax'? groups: Softmax)
-- run: --time 5 --set custom_updates.Sofmax.every=3

network { name = "e", dt = 1.0 }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 }, sim = "V = 1.0;",
                      threshold = "V > 2.0", reset = "V = 0.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 }, dynamics = "g += 1.0;" }
local Out = population { "Out", wave, 10 }
local Hid = population { "Hid", wave, 20 }
projection { Hid, Out, name = "HO", conn = all_to_all(), synapse = syn }
custom_update { name = "Smx", group = "Softmax", every = 2,
  var_refs = { V = ref_rw("Out", "V") }, code = "V = 2.0 * V;" }
