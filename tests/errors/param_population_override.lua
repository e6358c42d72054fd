-- A population's params override is checked too, at the population line.
-- expect: 6: error: population 'E': parameter 't_ref' of neuron 'adex' must be >= 0 (got -1)

network { name = "p", dt = 0.1 }
local A = population { "A", alif { tau_a = 100.0 }, 10 }
population { "E", adex, 10, params = { t_ref = -1 } }
