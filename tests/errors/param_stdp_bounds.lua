-- Synapse models have the same mechanism: stdp's w_max must not be below w_min, and its
-- trace time constants must be > 0.
-- expect: 8: error: stdp{...}: parameter 'tau_minus' of synapse 'stdp' must be > 0 (got 0)

network { name = "p", dt = 0.1 }
local P = population { "P", poisson { rate = 5.0 }, 10 }
local E = population { "E", lif, 10 }
projection { P, E, conn = one_to_one(), weight = 0.5, delay = 1.0, synapse = stdp { tau_minus = 0 } }
