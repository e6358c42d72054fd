-- a batched model on the CUDA back end: connectivity updates are not run over lanes yet
-- (docs/cuda.md "Batches"; the C back end runs them): refused at compile time with the
-- update's line
-- snncc: -b cuda
-- expect: 9: error: connectivity_update 'rw' in a batched model (network{ batch = 3 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_rewire", batch = 3 }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local P = projection { S, population { "E", lif, 20 }, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
