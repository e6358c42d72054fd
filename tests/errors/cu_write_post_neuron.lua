-- A custom update over a projection's synapses writes the target neuron's variable
-- (V_post is read only: write it with ref_rw in an update over the population).
-- expect: 14: error: custom update 'Push' code: cannot assign to postsynaptic neuron variable (read only in synapse code) 'V_post'

network { name = "e", dt = 1.0 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "V = 1.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 } }
local A = population { "A", n, 3 }
local B = population { "B", n, 4 }
projection { A, B, name = "AB", conn = all_to_all(), synapse = syn }
custom_update { name = "Push", group = "G",
  var_refs = { g = ref_rw("AB", "g") },
  code = [[ g = V_pre;
    V_post = g; ]] }
