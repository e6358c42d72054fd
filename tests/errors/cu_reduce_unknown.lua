-- A reduction that is neither a sum nor a maximum.
-- expect: 11: error: custom_update 'Smx': variable 'S': reduce must be "sum", "max", "batch_sum" or "batch_max" (got "mean")

network { name = "e", dt = 1.0 }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 }, sim = "V = 1.0;",
                      threshold = "V > 2.0", reset = "V = 0.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 }, dynamics = "g += 1.0;" }
local Out = population { "Out", wave, 10 }
local Hid = population { "Hid", wave, 20 }
projection { Hid, Out, name = "HO", conn = all_to_all(), synapse = syn }
custom_update { name = "Smx", group = "Softmax",
  vars = { S = { reduce = "mean" } },
  var_refs = { V = ref("Out", "V") }, code = "S = V;" }
