-- With --mpi, a custom update over synapses cannot read the source neuron's variables
-- (the synapse lives on its target's rank).
-- snncc: --mpi
-- expect: 15: error: custom update 'Probe' code (over the synapses of projection 'AB') reads a presynaptic neuron's variable (_pre), which --mpi does not support

network { name = "e", dt = 1.0 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "V = 1.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 } }
local A = population { "A", n, 3 }
local B = population { "B", n, 4 }
projection { A, B, name = "AB", conn = all_to_all(), synapse = syn }
custom_update { name = "Probe", group = "G",
  var_refs = { g = ref_rw("AB", "g") },
  code = [[ g = V_post;
    g += 2.0 * V_pre; ]] }
