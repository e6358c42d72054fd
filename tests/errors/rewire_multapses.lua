-- rewired projections refuse multapses (their sums would depend on storage order)
-- expect: 7: error: connectivity_update 'rw': projection 'SE' allows multapses (fixed_outdegree); a rewired projection must not have them (their sums would depend on storage order): give multapses = false
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_outdegree(3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
