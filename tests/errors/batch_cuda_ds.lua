-- a batched model on the CUDA back end: data sets, weight update models, custom updates
-- over their synapses and synapse recordings run per lane (docs/cuda.md "Batches"), but a
-- connectivity update beside them does not yet: refused at compile time with its line (the
-- rest passes; tests/e2e/cuda_train.sh runs a data set per lane, cuda_batch_plastic.sh
-- synapses, cuda_batch_cusyn.sh updates over synapses and their recordings)
-- snncc: -b cuda
-- expect: 15: error: connectivity_update 'rw' in a batched model (network{ batch = 2 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_ds", batch = 2 }
local In = population { "In", spike_source_dataset { classes = 3 }, 8 }
local E = population { "E", lif, 10 }
local P = projection { In, E, conn = all_to_all(), weight = 1.0,
  synapse = synapse { name = "s", vars = { w = 1.0, g = 0.0 }, on_pre = "g += 0.1;" } }
custom_update { name = "Apply", group = "Learn", var_refs = { w = ref_rw("In_to_E", "w"), g = ref_rw("In_to_E", "g") }, code = "w += g; g = 0.0;" }
record { In_to_E = "g" }
connectivity_update { name = "rw", projection = P, every = 10, remove = "w < 0.01" }
