-- A user model's own 'valid' table: its defaults are checked at neuron{}, calls at theirs.
-- expect: 10: error: m{...}: parameter 'gain' of neuron 'm' must be >= 0 and <= 1 (got 1.5)

network { name = "p", dt = 0.1 }
local m = neuron { name = "m", params = { gain = 0.5, tau = 5.0 },
                   valid = { gain = ">= 0, <= 1", tau = "> 0" },
                   vars = { V = 0.0 }, sim = "V += dt * (gain - V) / tau;",
                   threshold = "V > 0.4", reset = "V = 0.0;" }
population { "A", m, 10 }
population { "E", m { gain = 1.5 }, 10 }
