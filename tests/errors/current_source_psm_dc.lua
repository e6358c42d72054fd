-- Only poisson_input goes through a postsynaptic model; a dc source adds to Isyn directly.
-- expect: 5: error: current_source 'E_dc': only poisson_input goes through a postsynaptic model; dc adds to Isyn directly

local E = population { "E", lif, 20 }
current_source { E, dc { amp = 100.0 }, psm = exp_curr(2.0) }
