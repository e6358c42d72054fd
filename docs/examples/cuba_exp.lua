-- Current-based balanced network with exponential synaptic currents and heterogeneous
-- weights, after the CUBA benchmark of Brette et al. (2007), J Comput Neurosci 23:349
-- (Benchmark 2; Vogels & Abbott 2005): 3200 excitatory and 800 inhibitory leaky
-- integrate-and-fire neurons, 2% connection probability, tau_syn 5 ms (exc) and 10 ms
-- (inh).  The resting potential E_L = -49 mV lies above threshold, so activity sustains
-- itself without external input.
--
--   snncc docs/examples/cuba_exp.lua -o /tmp/cuba && /tmp/cuba/cuba_exp --time 1000
--
-- The benchmark's synaptic variables g are voltages, dV/dt = (g - (V - E_L)) / tau_m,
-- that jump by 1.62 mV (exc) and -9 mV (inh).  As currents for lif, I = C g / tau_m:
-- with C = 200 pF and tau_m = 20 ms, 10 pA per mV, so 16.2 pA and -90 pA.  Each synapse
-- gets its own weight, normal(mean, 10% of mean), stored per synapse.
network { name = "cuba_exp", dt = 0.1, seed = 2007 }

local cell = lif { C = 200.0, tau_m = 20.0, E_L = -49.0, V_th = -50.0, V_reset = -60.0,
                   t_ref = 5.0 }

local E = population { "E", cell, 3200, init = { V = uniform(-60.0, -50.0) } }
local I = population { "I", cell, 800,  init = { V = uniform(-60.0, -50.0) } }

local conn  = fixed_probability(0.02, { autapses = false })
local w_exc = normal(16.2, 1.62)    -- pA
local w_inh = normal(-90.0, 9.0)    -- pA
local syn_e = exp_curr { tau = 5.0 }
local syn_i = exp_curr { tau = 10.0 }

projection { E, E, conn = conn, weight = w_exc, delay = 0.1, psm = syn_e }
projection { E, I, conn = conn, weight = w_exc, delay = 0.1, psm = syn_e }
projection { I, E, conn = conn, weight = w_inh, delay = 0.1, psm = syn_i }
projection { I, I, conn = conn, weight = w_inh, delay = 0.1, psm = syn_i }

record { E = "spikes", I = "spikes" }
