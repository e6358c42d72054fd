-- a batched model on the CUDA back end: state recordings are not taken per lane yet
-- (docs/cuda.md "Batches"): refused at compile time with the record's line
-- snncc: -b cuda
-- expect: 7: error: record: a state recording in a batched model (network{ batch = 2 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_rec", batch = 2 }
local E = population { "E", lif, 10 }
record { E = { "spikes", "V" } }
