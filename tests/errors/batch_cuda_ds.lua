-- a batched model on the CUDA back end: data sets are not fed per lane yet (docs/cuda.md
-- "Batches"): refused at compile time with the population's line
-- snncc: -b cuda
-- expect: 6: error: population 'In': a spike_source_dataset in a batched model (network{ batch = 2 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_ds", batch = 2 }
local In = population { "In", spike_source_dataset { classes = 3 }, 8 }
local E = population { "E", lif, 10 }
projection { In, E, conn = all_to_all(), weight = 1.0 }
