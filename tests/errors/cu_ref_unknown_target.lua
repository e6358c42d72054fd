-- A variable reference names a population that does not exist.
-- expect: 12: error: custom_update 'Smx': var_refs 'V': unknown population, projection or custom update 'Outt' (did you mean 'Out'?)

network { name = "e", dt = 1.0 }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 }, sim = "V = 1.0;",
                      threshold = "V > 2.0", reset = "V = 0.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 }, dynamics = "g += 1.0;" }
local Out = population { "Out", wave, 10 }
local Hid = population { "Hid", wave, 20 }
projection { Hid, Out, name = "HO", conn = all_to_all(), synapse = syn }
custom_update { name = "Smx", group = "Softmax",
  var_refs = { V = ref("Outt", "V") }, code = "V = V;" }
