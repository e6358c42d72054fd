-- connectivity updates do not run in batched models yet: refused at compile time
-- expect: 7: error: connectivity_update 'rw': connectivity updates do not support batches yet (network{ batch = 2 }, tests/errors/batch_rewire.lua:3)
network { name = "x", batch = 2 }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
