-- One leaky integrate-and-fire neuron (the standard library's lif) driven by a constant
-- current.  The tests compare its spike times with the analytical solution
--   t* = tau_m * ln(R I / (R I - (V_th - E_L))),  R = tau_m / C,
-- repeated every t_ref + t* ms.  Set the current with -D I_e=400 (pA).
network { name = "lif_single", dt = 0.1, seed = 1, precision = "double" }

local I_e = param("I_e", 400.0)

local n = population { "n", lif { I_e = I_e }, 1, init = { V = -70.0 } }
record { n = "spikes" }
