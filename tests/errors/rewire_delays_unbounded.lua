-- a new synapse's delay drawn from a delay initialiser without an upper bound could exceed
-- the dendritic ring: refused (add.init.delay or a bounded initialiser is needed)
-- expect: 8: error: connectivity_update 'rw': projection 'SE' has per-synapse delays from normal, which has no upper bound; a new synapse's delay needs one (the dendritic ring is as deep as the longest delay): give add.init = { delay = ... } (ms), or the projection delay = uniform(lo, hi) or normal_clipped(mean, sd, lo, hi)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local P = projection { S, population { "E", lif, 20 }, name = "SE", conn = fixed_probability(0.2),
                       weight = 1.0, delay = normal(2.0, 0.5), row_padding = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1",
  add = { count = "1", target = "floor(uniform() * N_post)" } }
