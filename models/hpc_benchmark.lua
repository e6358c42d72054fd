-- NEST's hpc_benchmark: a balanced random network of 11,250 x scale LIF neurons with
-- alpha-shaped current synapses, fixed in-degrees independent of the scale (9000 E and
-- 2250 I inputs per neuron, about 11,250 synapses onto each neuron) and Poisson drive.
-- Numbers from NEST's pynest/examples/hpc_benchmark.py (../shared/reference/hpc_benchmark.md);
-- -D plastic=1 makes E->E plastic with NEST's power-law STDP (stdp_pl_synapse_hom, the
-- standard library's stdp_pl); NEST's notes warn that at scale 1 the plastic network can
-- slide into synchronous firing: it is meant for scale 10 and up.
--
--   snncc models/hpc_benchmark.lua -D scale=1 -o build/hpc && build/hpc/hpc_benchmark --time 1100
network { name = "hpc_benchmark", dt = 0.1, seed = 143202461 }

local scale = param("scale", 1.0)
local plastic = param("plastic", 0) ~= 0
local NE = math.floor(9000 * scale + 0.5)
local NI = math.floor(2250 * scale + 0.5)
local CE, CI = 9000, 2250                           -- in-degrees, independent of scale

local tau_syn = 0.32582722403722841                 -- ms: PSP rise time 1.700759 ms
local JE = 45.61                                    -- pA: 0.14 mV peak PSP
local JI = -5.0 * JE                                -- g = -5
local nu_ext = 20856.0                              -- Hz of Poisson input per neuron

-- iaf_psc_alpha, exactly integrated (the standard library's lif_alpha)
local iaf = lif_alpha { C = 250.0, tau_m = 10.0, E_L = 0.0, V_reset = 0.0, V_th = 20.0,
                        t_ref = 0.5, tau_syn = tau_syn }
local init = { V = normal(5.7, 7.2) }
local E = population { "E", iaf, NE, init = init }
local I = population { "I", iaf, NI, init = init }

-- all input goes into lif_alpha's 'in_alpha' (weights are PSC peaks in pA)
for _, post in ipairs({ E, I }) do
  current_source { post, poisson_input { rate = nu_ext, weight = JE }, target = "in_alpha",
                   name = post.name .. "_ext" }
  projection { E, post, conn = fixed_indegree(CE, { autapses = false, multapses = true }),
               weight = JE, delay = 1.5, target = "in_alpha",
               synapse = (plastic and post == E) and stdp_pl or nil }
  projection { I, post, conn = fixed_indegree(CI, { autapses = false, multapses = true }),
               weight = JI, delay = 1.5, target = "in_alpha" }
end

record { E = "spikes", I = "spikes" }
