-- A name in an initialiser's code that is not one of its parameters.
-- expect: 5: error: initialiser 'shifted' code: unknown name 'meen' (did you mean 'mean'?)

local shifted = initialiser { name = "shifted", params = { mean = 1.0 },
                              code = "value = meen + normal();" }
local m = neuron { name = "m", vars = { V = 0.0 }, sim = "V += Isyn;" }
population { "P", m, 10, init = { V = shifted } }
