-- lif { tau_m = -10 } makes the membrane explode: refused, as is a population override.
-- expect: 6: error: lif{...}: parameter 'tau_m' of neuron 'lif' must be > 0 (got -10)

network { name = "p", dt = 0.1 }
local ok = population { "A", lif { tau_m = 10 }, 10 }
population { "E", lif { tau_m = -10 }, 10 }
