-- a batched model on the CUDA back end: synapse recordings are not taken per lane yet
-- (docs/cuda.md "Batches"; the C back end takes them): refused at compile time with the
-- record's line (weight update models themselves run over lanes)
-- snncc: -b cuda
-- expect: 9: error: record: projection 'EE' variable 'w' in a batched model (network{ batch = 2 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_synrec", batch = 2 }
local E = population { "E", lif, 10 }
projection { E, E, name = "EE", conn = fixed_probability(0.2), synapse = stdp }
record { EE = "w" }
