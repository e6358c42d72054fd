-- a batched model decides a removal once, for every lane, from lane 0's synapse variables:
-- a removal predicate reading a neuron's variable (one per lane) is refused, naming its line
-- expect: 10: error: connectivity_update 'rw': remove reads 'V_post', one value per batch lane and neuron (network{ batch = 2 }); a batched model removes a synapse in every lane alike
network { name = "x", batch = 2 }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0 }
connectivity_update { name = "rw", projection = P, every = 10,
  remove = [[uniform() < 0.1 ||
             V_post > -60.0]] }
