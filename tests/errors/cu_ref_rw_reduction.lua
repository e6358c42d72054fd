-- A read-write reference to another custom update's reduced variable (one value for all neurons).
-- expect: 14: error: custom_update 'Bad': var_refs 'M': 'Mx.M' is a reduction (one value); refer to it read-only with ref

network { name = "e", dt = 1.0 }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 }, sim = "V = 1.0;",
                      threshold = "V > 2.0", reset = "V = 0.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 }, dynamics = "g += 1.0;" }
local Out = population { "Out", wave, 10 }
local Hid = population { "Hid", wave, 20 }
projection { Hid, Out, name = "HO", conn = all_to_all(), synapse = syn }
custom_update { name = "Mx", group = "Softmax",
  vars = { M = { reduce = "max" } }, var_refs = { V = ref("Out", "V") }, code = "M = V;" }
custom_update { name = "Bad", group = "Softmax",
  var_refs = { V = ref("Out", "V"), M = ref_rw("Mx", "M") }, code = "M = V;" }
