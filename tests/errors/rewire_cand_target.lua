-- with candidates, the candidates are the targets: add.count / add.target are refused
-- expect: 6: error: connectivity_update 'rw': with 'candidates', 'add' takes only 'init' (the candidates are the targets; candidates.add decides which are formed)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
connectivity_update { name = "rw", projection = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }, every = 10,
  candidates = { count = 2, add = "uniform() < 0.5" },
  add = { count = 1, target = "0" } }
