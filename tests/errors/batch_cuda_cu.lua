-- a batched model on the CUDA back end: custom updates are not run over lanes yet
-- (docs/cuda.md "Batches"): refused at compile time with the update's line
-- snncc: -b cuda
-- expect: 7: error: custom_update 'Twice' in a batched model (network{ batch = 3 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_cu", batch = 3 }
local E = population { "E", lif, 10 }
custom_update { name = "Twice", group = "G",
  var_refs = { V = ref_rw("E", "V") }, code = "V = 2.0 * V;" }
