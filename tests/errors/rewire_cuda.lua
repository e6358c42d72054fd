-- the CUDA back end runs connectivity updates, but not with --mpi yet
-- snncc: -b cuda --mpi
-- expect: 8: error: connectivity_update 'rw': --backend cuda --mpi cannot run connectivity updates yet (the C back end runs them with --mpi)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
