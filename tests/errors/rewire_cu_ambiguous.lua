-- two custom updates on a rewired projection with a variable 'm' each: add.init names
-- them "<update>.<var>"; a plain 'm' is unknown there (with the qualified names offered)
-- expect: 11: error: connectivity_update 'rw': add.init: projection 'SE' has no synapse variable 'm' (custom updates share the name: give 'A.m' or 'B.m')
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local syn = synapse { name = "s", vars = { w = 1.0 } }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = syn, weight = 0.5 }
custom_update { name = "A", group = "G", vars = { m = 0.0 }, var_refs = { w = ref("SE", "w") }, code = "m = w;" }
custom_update { name = "B", group = "G", vars = { m = 0.0 }, var_refs = { w = ref("SE", "w") }, code = "m = w;" }
connectivity_update { name = "rw", projection = "SE", every = 10, remove = "w < 0.1",
  add = { count = 1, target = "floor(uniform() * N_post)",
  init = { m = 1.0 } } }
