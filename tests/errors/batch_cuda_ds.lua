-- a batched model on the CUDA back end: data sets and weight update models run per lane
-- (docs/cuda.md "Batches"), but a custom update over the synapses beside them does not
-- yet: refused at compile time with the update's line (the data set and the projection
-- pass; tests/e2e/cuda_train.sh runs a data set per lane, cuda_batch_plastic.sh synapses)
-- snncc: -b cuda
-- expect: 12: error: custom_update 'Apply' over the synapses of projection 'In_to_E' in a batched model (network{ batch = 2 }): the cuda back end runs custom updates over neurons over batch lanes, not yet over synapses (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_ds", batch = 2 }
local In = population { "In", spike_source_dataset { classes = 3 }, 8 }
local E = population { "E", lif, 10 }
local P = projection { In, E, conn = all_to_all(), weight = 1.0,
  synapse = synapse { name = "s", vars = { w = 1.0, g = 0.0 }, on_pre = "g += 0.1;" } }
custom_update { name = "Apply", group = "Learn",
  var_refs = { w = ref_rw("In_to_E", "w"), g = ref_rw("In_to_E", "g") }, code = "w += g; g = 0.0;" }
