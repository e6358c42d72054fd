-- lif { C = 0 } divides by zero in every step: refused.
-- expect: 5: error: lif{...}: parameter 'C' of neuron 'lif' must be > 0 (got 0)

network { name = "p", dt = 0.1 }
population { "E", lif { C = 0 }, 10 }
