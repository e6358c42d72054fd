-- add needs a target
-- expect: 7: error: connectivity_update 'rw': 'add' needs 'target' (the target of row i's k-th addition)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, add = { count = "1" } }
