-- a connectivity update's group is a custom-update group of the model
-- expect: 8: error: connectivity_update 'rw': no custom-update group 'Rewrie' (did you mean 'Rewire'?) (a group is named by the custom_update{}s in it)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = stdp, weight = 1.0 }
custom_update { name = "Touch", group = "Rewire", every = 10, var_refs = { w = ref_rw(P, "w") }, code = "w = w;" }
connectivity_update { name = "rw", projection = P, group = "Rewrie", remove = "w < 0.1" }
