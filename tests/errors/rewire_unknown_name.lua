-- unknown names in remove code: the model line and a did-you-mean
-- expect: 9: error: connectivity_update 'rw' remove code: unknown name 'thetta' (did you mean 'theta'?)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = uniform(0.0, 1.0) }
connectivity_update { name = "rw", projection = P, every = 10,
  params = { theta = 0.5 },
  remove = "w < thetta" }
