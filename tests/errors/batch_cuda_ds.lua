-- a batched model on the CUDA back end: data sets, weight update models and custom updates
-- over their synapses run per lane (docs/cuda.md "Batches"), but a recording of the
-- synapses beside them does not yet: refused at compile time with the record's line (the
-- data set, the projection and the update pass; tests/e2e/cuda_train.sh runs a data set
-- per lane, cuda_batch_plastic.sh synapses, cuda_batch_cusyn.sh updates over synapses)
-- snncc: -b cuda
-- expect: 14: error: record: projection 'In_to_E' variable 'g' in a batched model (network{ batch = 2 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_ds", batch = 2 }
local In = population { "In", spike_source_dataset { classes = 3 }, 8 }
local E = population { "E", lif, 10 }
local P = projection { In, E, conn = all_to_all(), weight = 1.0,
  synapse = synapse { name = "s", vars = { w = 1.0, g = 0.0 }, on_pre = "g += 0.1;" } }
custom_update { name = "Apply", group = "Learn", var_refs = { w = ref_rw("In_to_E", "w"), g = ref_rw("In_to_E", "g") }, code = "w += g; g = 0.0;" }
record { In_to_E = "g" }
