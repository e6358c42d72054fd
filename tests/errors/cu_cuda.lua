-- The CUDA back end runs custom updates with --mpi (each rank's neurons, its rows), and
-- refuses, as the C back end does, what a rank cannot see: the source neuron's variables
-- in an update over synapses (the synapse lives on its target's rank).
-- expect: 18: error: custom update 'Probe' code (over the synapses of projection 'AB') reads a presynaptic neuron's variable (_pre), which --mpi does not support
-- snncc: -b cuda --mpi

network { name = "e", dt = 1.0 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "V = 1.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5, g = 0.0 } }
local A = population { "A", n, 3 }
local B = population { "B", n, 4 }
projection { A, B, name = "AB", conn = all_to_all(), synapse = syn }
custom_update { name = "Smx", group = "G", vars = { S = { reduce = "sum" } },
  var_refs = { V = ref("B", "V") }, code = "S = V;" }
custom_update { name = "Probe", group = "G",
  var_refs = { g = ref_rw("AB", "g") },
  code = [[ g = V_post;
    g += 2.0 * V_pre; ]] }
