-- A model that defines no population at all (nothing to simulate).  The message has no
-- line: it is about the whole file.
-- expect-any: tests/errors/no_population.lua: error: the model defines no population (add population { "name", model, size })

network { name = "no_population", dt = 0.1 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "V += dt;" }
