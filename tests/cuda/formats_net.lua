-- A recurrent E/I network (tests/e2e/formats/net.lua.in, smaller) with its projections in
-- format "dense" (-D fmt=1), "procedural" (-D fmt=2) or "sparse" (-D fmt=3, built on the
-- GPU by default), every row-wise rule.  With
-- -D exact=1 (the default) all weights and the external drive are multiples of 1/4 and
-- every input is a delta synapse: the sums are exact in any order of addition, so the
-- CUDA simulator's spikes must be the C simulator's even with many spikes per step onto
-- one target.  -D exact=0: random weights and an exp_curr input, where the order of the
-- additions (atomicAdd) changes the last bits and only the rates can be compared.
local batch = param("batch", 0) -- B > 0: B batch lanes (tests/e2e/cuda_batch.sh)
network { name = "fmtnet", dt = 0.1, seed = 77, batch = batch > 0 and batch or nil }
local fmt = ({ "dense", "procedural", "sparse" })[param("fmt", 1)]
local exact = param("exact", 1) == 1
local lif_delta = neuron {
  name   = "lif_delta",
  params = { tau_m = 20.0, theta = 20.0, V_reset = 10.0, t_ref = 2.0, nu_ext = 5000.0 },
  vars   = { V = 0.0, refrac = 0.0 },
  sim = [[
    scalar ext = 0.25 * poisson(nu_ext * dt * 0.001);
    if (refrac > 0.5 * dt) { refrac -= dt; } else { V = V * exp(-dt / tau_m) + Isyn + ext; }
  ]],
  threshold = "V >= theta",
  reset     = "V = V_reset; refrac = t_ref;",
}
local E = population { "E", lif_delta, 240, init = { V = uniform(0.0, 20.0) } }
local I = population { "I", lif_delta, 60, init = { V = uniform(0.0, 20.0) } }
local inh = exact and delta() or exp_curr(2.0)
projection { E, E, conn = fixed_probability(0.1, { autapses = false }), delay = 1.5, format = fmt,
             weight = exact and 0.25 or 0.2 }
projection { E, I, conn = fixed_probability(0.1), delay = 1.5, format = fmt,
             weight = exact and 0.5 or uniform(0.1, 0.3) }
projection { I, E, conn = fixed_outdegree(24, { multapses = false }), delay = 1.5, format = fmt,
             weight = exact and -1.0 or normal(-1.0, 0.2) }
projection { I, I, conn = all_to_all { autapses = false }, delay = 0.8, format = fmt,
             weight = exact and -0.25 or -0.05, psm = inh }
projection { I, I, name = "I_one", conn = one_to_one(), delay = 1.0, format = fmt,
             weight = exact and 0.75 or normal(0.1, 0.02) }
record { E = "spikes", I = "spikes" }
