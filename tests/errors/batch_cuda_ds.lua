-- a batched model on the CUDA back end: data sets run per lane (docs/cuda.md "Batches"),
-- but a weight update model beside one does not yet: refused at compile time with the
-- projection's line (the data set passes; tests/e2e/cuda_train.sh runs it per lane)
-- snncc: -b cuda
-- expect: 9: error: projection 'In_to_E': a weight update model in a batched model (network{ batch = 2 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_ds", batch = 2 }
local In = population { "In", spike_source_dataset { classes = 3 }, 8 }
local E = population { "E", lif, 10 }
projection { In, E, conn = all_to_all(), weight = 1.0,
  synapse = synapse { name = "s", vars = { w = 1.0 }, on_pre = "w += 0.1;" } }
