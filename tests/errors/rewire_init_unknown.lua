-- add.init names a synapse variable of the projection
-- expect: 7: error: connectivity_update 'rw': add.init: projection 'SE' has no synapse variable 'ww' (did you mean 'w'?)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = stdp, weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, add = { count = "1", target = "0", init = { ww = 1.0 } } }
