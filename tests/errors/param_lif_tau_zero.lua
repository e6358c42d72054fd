-- Standard-library models check their parameters (neuron{ valid = ... }): lif's tau_m
-- must be > 0; the error names the line of the call that set it (issue 12).
-- expect: 6: error: lif{...}: parameter 'tau_m' of neuron 'lif' must be > 0 (got 0)

network { name = "p", dt = 0.1 }
local m = lif { tau_m = 0 }
population { "E", m, 10 }
