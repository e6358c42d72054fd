-- Brunel (2000) sparse balanced network of leaky integrate-and-fire neurons with delta
-- synapses, in the asynchronous irregular (AI) regime: g = 5, eta = 2 (Brunel 2000,
-- J Comput Neurosci 8:183, Fig. 8C; parameters as in NEST's brunel_delta_nest example).
--
--   snncc models/brunel.lua -o build/brunel && build/brunel/brunel --time 1000
--
-- The size scales with -D scale=S (NE = 10000 S, NI = 2500 S); the in-degrees stay
-- 10% of each population, so the regime shifts at other scales.
network { name = "brunel", dt = 0.1, seed = 1234 }

local scale   = param("scale", 1.0)
local NE      = math.floor(10000 * scale + 0.5)
local NI      = math.floor(2500 * scale + 0.5)
local epsilon = 0.1
local CE      = math.floor(epsilon * NE + 0.5)   -- excitatory inputs per neuron
local CI      = math.floor(epsilon * NI + 0.5)   -- inhibitory inputs per neuron
local J       = 0.1                               -- mV, PSP amplitude
local g       = 5.0                               -- relative inhibition
local eta     = 2.0                               -- external rate / threshold rate
local tau_m, theta = 20.0, 20.0                   -- ms, mV
local nu_th   = theta / (J * CE * tau_m)          -- per ms
local nu_ext  = eta * nu_th * CE * 1000.0         -- Hz of external input per neuron

-- LIF neuron with exact integration, delta synapses and independent Poisson drive
-- (the sum of CE external Poisson sources of rate eta * nu_th is one Poisson process).
local lif_delta = neuron {
  name   = "lif_delta",
  params = { tau_m = tau_m, theta = theta, V_reset = 10.0, t_ref = 2.0,
             J_ext = J, nu_ext = nu_ext },
  vars   = { V = 0.0, refrac = 0.0 },
  sim = [[
    scalar ext = J_ext * poisson(nu_ext * dt * 0.001);   // external Poisson input
    if (refrac > 0.5 * dt) {
        refrac -= dt;                                     // refractory: input is lost
    } else {
        V = V * exp(-dt / tau_m) + Isyn + ext;
    }
  ]],
  threshold = "V >= theta",
  reset     = "V = V_reset; refrac = t_ref;",
}

local E = population { "E", lif_delta, NE, init = { V = uniform(0.0, theta) } }
local I = population { "I", lif_delta, NI, init = { V = uniform(0.0, theta) } }

projection { E, E, conn = fixed_indegree(CE), weight = J,      delay = 1.5 }
projection { E, I, conn = fixed_indegree(CE), weight = J,      delay = 1.5 }
projection { I, E, conn = fixed_indegree(CI), weight = -g * J, delay = 1.5 }
projection { I, I, conn = fixed_indegree(CI), weight = -g * J, delay = 1.5 }

record { E = "spikes", I = "spikes" }
