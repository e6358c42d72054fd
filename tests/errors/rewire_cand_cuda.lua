-- the CUDA back end does not draw candidates (connectivity_update{ candidates = ... }) yet
-- snncc: -b cuda
-- expect: 8: error: connectivity_update 'rw': candidates = { ... }: the cuda back end cannot draw candidates yet (the C back end can; add = { count or total, target } runs on it)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0, max_row_length = 10 }
connectivity_update { name = "rw", projection = P, every = 10,
  candidates = { count = 2, remove = "uniform() < 0.5", add = "uniform() < 0.5" } }
