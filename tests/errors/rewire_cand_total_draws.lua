-- candidates.total is one number for the whole projection: no draws
-- expect: 7: error: connectivity_update 'rw' candidates.total code: no random draws in 'total'
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
connectivity_update { name = "rw", projection = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }, every = 10,
  candidates = { total = "floor(uniform() * 4)", add = "uniform() < 0.5" } }
