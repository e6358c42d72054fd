-- The CUDA back end records synapse variables of sparse projections only, a custom
-- update's per-synapse ones included: not with --mpi.
-- snncc: -b cuda --mpi
-- expect: 15: error: record: custom update 'Acc' variable 'q': the cuda back end records synapse variables of sparse projections without --mpi only so far (--mpi; the C back end records it)

network { name = "e", dt = 1.0 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "V = 1.0;", threshold = "V > 2.0", reset = "V = 0.0;" }
local syn = synapse { name = "gs", vars = { w = 0.5 } }
local A = population { "A", n, 3 }
local B = population { "B", n, 4 }
projection { A, B, name = "AB", conn = all_to_all(), synapse = syn }
custom_update { name = "Acc", group = "G", every = 1, vars = { q = 0.0 },
  var_refs = { w = ref("AB", "w") },
  code = "q += w;" }
record { Acc = "q" }
