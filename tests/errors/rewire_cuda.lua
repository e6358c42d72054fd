-- the CUDA back end refuses connectivity updates at compile time
-- snncc: -b cuda
-- expect: 8: error: connectivity_update 'rw': the cuda back end cannot run connectivity updates (structural plasticity) yet (the C back end can)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
