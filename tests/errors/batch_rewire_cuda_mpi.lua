-- A batched model's connectivity update with --backend cuda --mpi (lanes split over the
-- ranks): lane 0's values decide the removals on the device, and only rank 0 holds the
-- batch's lane 0, so it is refused, naming the update's line (the C back end runs it).
-- snncc: -b cuda --mpi
-- expect: 10: error: connectivity_update 'rw' in a batched model (network{ batch = 2 }): --backend cuda --mpi does not run connectivity updates over lanes split over ranks yet (lane 0's values decide the removals, and only rank 0 holds lane 0; the C back end runs it)
network { name = "x", batch = 2 }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
