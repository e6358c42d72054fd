-- a connectivity update's parameter that is not a finite number names the value
-- expect: 8: error: connectivity_update 'rw': 'theta' in 'params' must be a finite number (got nan)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.1), weight = 1.0,
  row_padding = 0.5 }
connectivity_update { name = "rw", projection = P, every = 10, params = { theta = 0 / 0 },
  remove = "w < theta" }
