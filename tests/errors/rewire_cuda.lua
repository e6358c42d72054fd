-- the CUDA back end runs connectivity updates with --mpi (tests/e2e/cuda_mpi.sh), but
-- --mpi takes static synapses only there: a rewired projection with a weight update model
-- is refused at its line
-- snncc: -b cuda --mpi
-- expect: 9: error: projection 'SE' has a weight update model (synapse 'tag'); --backend cuda --mpi supports static synapses only so far (the C back end runs it with --mpi)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0,
  synapse = synapse { name = "tag", vars = { w = 1.0, c = 0.0 }, on_post = "c += 1.0;" } }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
