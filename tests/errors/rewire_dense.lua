-- connectivity updates need format = "sparse"
-- expect: 7: error: connectivity_update 'rw': projection 'SE' has format = "dense"; connectivity updates need format = "sparse" (ragged rows that can change)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0, format = "dense" }
connectivity_update { name = "rw", projection = P, every = 10, remove = "1" }
