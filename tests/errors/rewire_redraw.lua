-- add.redraw is true or false
-- expect: 7: error: connectivity_update 'rw': 'add.redraw' must be true or false (got string)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = uniform(0.0, 1.0) }
connectivity_update { name = "rw", projection = "SE", every = 10, add = { count = 1,
  target = "floor(uniform() * N_post)", redraw = "yes", init = { w = 0.5 } } }
