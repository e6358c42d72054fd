-- A population of leaky integrate-and-fire neurons driven only by Poisson spike trains:
-- 1000 independent Poisson sources at rate_in Hz, each LIF neuron receiving 200 of them
-- through exponential current synapses.  Scan the input rate from the command line:
--
--   snncc docs/examples/poisson_driven.lua -D rate_in=20 -o /tmp/pd && /tmp/pd/poisson_driven --time 1000
--
-- Mean input current: K * rate * w * tau_syn = 200 * rate_in * 1e-3 * 40 pA * 2 ms,
-- i.e. 16 pA per Hz of input rate; the rheobase of this neuron is
-- C (V_th - E_L) / tau_m = 375 pA, so at rate_in = 20 Hz (320 pA mean) the neurons fire
-- from fluctuations only.
network { name = "poisson_driven", dt = 0.1, seed = 12 }

local rate_in = param("rate_in", 20.0)   -- Hz
local K       = 200                      -- inputs per neuron
local w       = 40.0                     -- pA

local src = population { "src", poisson { rate = rate_in }, 1000 }
local out = population { "out", lif, 100, init = { V = uniform(-70.0, -55.0) } }

projection { src, out, conn = fixed_indegree(K, { multapses = false }), weight = w,
             delay = 1.0, psm = exp_curr(2.0) }

record { out }
print("input rate", rate_in, "Hz; sources per neuron", K)
