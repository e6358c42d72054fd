-- per-synapse delays on a rewired projection: the C back end moves them, the CUDA back end
-- does not yet (docs/cuda.md "Connectivity updates"): refused with the update's line
-- snncc: -b cuda
-- expect: 9: error: connectivity_update 'rw': projection 'SE' has per-synapse delays, which the cuda back end does not move with their synapses yet (the C back end does; docs/cuda.md "Connectivity updates"); give it one delay
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local P = projection { S, population { "E", lif, 20 }, name = "SE", conn = fixed_probability(0.2),
                       weight = 1.0, delay = uniform(1.0, 4.0), row_padding = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
