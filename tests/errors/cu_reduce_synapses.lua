-- A reduction in a custom update over synapses: reductions are over a population's neurons.
-- expect: 11: error: custom_update 'Gsum': variable 'S' has reduce = "sum", but the update runs over the synapses of projection 'HO' (reductions are over the neurons of a population)

network { name = "e", dt = 1.0 }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 }, sim = "V = 1.0;",
                      threshold = "V > 2.0", reset = "V = 0.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 }, dynamics = "g += 1.0;" }
local Out = population { "Out", wave, 10 }
local Hid = population { "Hid", wave, 20 }
projection { Hid, Out, name = "HO", conn = all_to_all(), synapse = syn }
custom_update { name = "Gsum", group = "Learn",
  vars = { S = { reduce = "sum" } },
  var_refs = { g = ref("HO", "g") }, code = "S = g;" }
