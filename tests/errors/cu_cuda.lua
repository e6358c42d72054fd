-- The CUDA back end runs custom updates on one GPU, not with --mpi (its reductions cover
-- one rank's neurons): refused at compile time.
-- expect: 11: error: custom_update 'Smx': --backend cuda --mpi cannot run custom updates yet (the C back end runs them with --mpi)
-- snncc: -b cuda --mpi

network { name = "e", dt = 1.0 }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 }, sim = "V = 1.0;",
                      threshold = "V > 2.0", reset = "V = 0.0;" }
local Out = population { "Out", wave, 10 }
local Hid = population { "Hid", wave, 20 }
custom_update { name = "Smx", group = "Softmax",
  var_refs = { V = ref_rw("Out", "V") }, code = "V = 2.0 * V;" }
