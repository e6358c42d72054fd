-- an unknown projection name gets a did-you-mean
-- expect: 7: error: connectivity_update 'rw': no projection 'ES' (did you mean 'SE'?)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = "ES", every = 10, remove = "1" }
