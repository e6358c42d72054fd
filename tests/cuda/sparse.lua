-- Every rule of format = "sparse" (the default) with random weights and delays, built on
-- the GPU by default (docs/cuda.md, "Construction on the device"), where no float sum
-- depends on the order of additions, so the CUDA simulator must reproduce the C one bit
-- for bit, connectivity checksums included (tests/e2e/cuda_emulated.sh, tests/gpu).  As
-- tests/cuda/formats.lua: spike sources fire one neuron per step, relayed one to one by
-- P, so each projection delivers one row per step, and every projection has an input of
-- its own; rules with multapses have constant weights (equal terms add up to the same sum
-- in any order).  Per-synapse delays order the rows by (delay, target, draw).
network { name = "sparse", dt = 0.1, seed = 23 }

local n = 40
local times = {}
for i = 1, n do
  local t = {}
  for r = 0, 11 do t[#t + 1] = 0.1 * (i + n * r) end   -- step i - 1 + 40 r
  times[i] = t
end
local S = population { "S", spike_source_array { times = times }, n }
local relay = neuron { name = "relay", vars = { V = 0.0 }, sim = "V = Isyn;",
                       threshold = "V >= 0.5", reset = "V = 0.0;" }
local P = population { "P", relay, n }
projection { S, P, conn = one_to_one(), weight = 1.0, delay = 0.1 }

local sink = neuron { name = "sink", vars = { V = 0.0 }, sim = "V += Isyn;",
                      threshold = "V >= 3.0", reset = "V -= 3.0;" }
local function to(name, size, conn, weight, delay)
  local Q = population { name, sink, size }
  projection { P, Q, conn = conn, weight = weight, delay = delay }
  return Q
end
to("Sp", 45, fixed_probability(0.3), uniform(0.5, 1.5), 0.3)
to("Sa", 37, all_to_all(), normal(1.0, 0.3), 0.3)
to("So", 50, fixed_outdegree(6, { multapses = false }), 1.25, uniform(0.1, 2.0))
to("Sm", 23, fixed_outdegree(7, { multapses = true }), 0.5, 0.4)
to("Si", 33, fixed_indegree(7, { multapses = false }), normal_clipped(0.8, 0.3, 0.2, 1.4),
   uniform(0.2, 1.2))
to("Sj", 31, fixed_indegree(5, { multapses = true }), 0.75, normal_clipped(1.0, 0.5, 0.1, 3.0))
to("St", 29, fixed_total(300, { multapses = false }), uniform(0.2, 0.9), 0.5)
to("Su", 27, fixed_total(250, { multapses = true }), 0.6, uniform(0.1, 1.5))
to("S1", n, one_to_one(), uniform(0.5, 3.5), uniform(0.1, 0.9))
-- user-defined initialisers: their device copies must give the host's values
local tri = initialiser { name = "tri", params = { lo = 0.3 },
                          code = "double u = uniform(); double v = uniform(); value = lo + u + v;" }
local dly = initialiser { name = "dly", params = { d = 0.2 },
                          code = "value = d + 0.1 * floor(8.0 * uniform());" }
to("Sc", 26, fixed_indegree(6), tri { lo = 0.4 }, dly { d = 0.1 })
-- lognormal weights go through exp: built on the host (cuda.json says why)
to("Sl", 21, fixed_probability(0.25), lognormal(0.0, 0.4), 0.2)
-- the rows of P -> P skip the source itself; each its own input (exp_curr time constant)
projection { P, P, name = "PP_all", conn = all_to_all { autapses = false },
             weight = uniform(0.0, 0.01), delay = 0.2, psm = exp_curr(1.0) }
projection { P, P, name = "PP_prob", conn = fixed_probability(0.3, { autapses = false }),
             weight = normal(0.005, 0.002), delay = uniform(0.1, 0.6), psm = exp_curr(1.5) }
projection { P, P, name = "PP_in", conn = fixed_indegree(6, { autapses = false, multapses = false }),
             weight = uniform(0.0, 0.01), delay = 0.2, psm = exp_curr(2.0) }
projection { P, P, name = "PP_out", conn = fixed_outdegree(8, { autapses = false }),
             weight = uniform(0.0, 0.01), delay = 0.2, psm = exp_curr(2.5) }
record { S = "spikes", P = { "spikes", "V" }, Sp = { "spikes", "V" }, Sa = "spikes",
         So = { "spikes", "V" }, Sm = "spikes", Si = { "spikes", "V" }, Sj = "spikes",
         St = "spikes", Su = { "spikes", "V" }, S1 = "spikes", Sc = { "spikes", "V" },
         Sl = "spikes" }
