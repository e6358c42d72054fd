-- a batched model on the CUDA back end: weight update models are not run over lanes yet
-- (docs/cuda.md "Batches"): refused at compile time with the projection's line
-- snncc: -b cuda
-- expect: 8: error: projection 'E_to_E': a weight update model in a batched model (network{ batch = 4 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda", batch = 4 }
local E = population { "E", lif, 10 }
local stdp = synapse { name = "s", vars = { w = 0.1 }, on_pre = "w += 0.01;" }
projection { E, E, conn = fixed_probability(0.1), synapse = stdp }
