-- Every rule of format = "dense" and "procedural", with random weights, where no float
-- sum depends on the order of additions, so the CUDA simulator must reproduce the C one
-- bit for bit (tests/e2e/cuda_emulated.sh, tests/gpu): spike sources fire one neuron per
-- step, relayed one to one by P, so each projection delivers one row per step; every
-- projection has an accumulator of its own (its own target population or postsynaptic
-- model), so a target adds at most one weight per step and input (two for multapses, in
-- either order the same sum).  The sinks integrate their input and spike at a threshold:
-- their spikes and recorded V depend on every synapse and weight.  P -> P projections
-- without autapses exercise the rows that skip their own source.
network { name = "formats", dt = 0.1, seed = 11 }

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
local function to(name, size, conn, weight, fmt)
  local Q = population { name, sink, size }
  projection { P, Q, conn = conn, weight = weight, delay = 0.3, format = fmt }
  return Q
end
-- dense: every rule without multapses
to("Dp", 45, fixed_probability(0.3), uniform(0.5, 1.5), "dense")
to("Da", 37, all_to_all(), normal(1.0, 0.3), "dense")
to("Do", 50, fixed_outdegree(6, { multapses = false }), 1.25, "dense")
to("Di", 33, fixed_indegree(7, { multapses = false }), normal(0.8, 0.2), "dense")
to("Dt", 29, fixed_total(300, { multapses = false }), uniform(0.2, 0.9), "dense")
to("D1", n, one_to_one(), uniform(0.5, 3.5), "dense")
-- procedural: every row-wise rule, random and constant weights
to("Pa", 41, all_to_all(), uniform(0.5, 1.5), "procedural")
to("P1", n, one_to_one(), normal(2.0, 0.5), "procedural")
to("Pp", 300, fixed_probability(0.25), normal(1.0, 0.3), "procedural")  -- 2 rounds a row
to("Pq", 35, fixed_probability(0.4), 0.75, "procedural")
to("Po", 60, fixed_outdegree(40, { multapses = false }), uniform(0.2, 1.8), "procedural")
to("Pm", 23, fixed_outdegree(7, { multapses = true }), 0.5, "procedural")
to("Pw", 19, fixed_outdegree(5, { multapses = true }), uniform(0.4, 1.2), "procedural")
-- a user-defined initialiser's weights: its device copy must give the host's values
local tri = initialiser { name = "tri", params = { lo = 0.3 },
                          code = "double u = uniform(); double v = uniform(); value = lo + u + v;" }
to("Pi", 31, fixed_probability(0.35), tri { lo = 0.4 }, "procedural")
-- the rows of P -> P skip the source itself; each its own input (exp_curr time constant)
projection { P, P, name = "PP_dense", conn = all_to_all { autapses = false },
             weight = uniform(0.0, 0.01), delay = 0.2, psm = exp_curr(1.0), format = "dense" }
projection { P, P, name = "PP_all", conn = all_to_all { autapses = false },
             weight = normal(0.005, 0.002), delay = 0.2, psm = exp_curr(1.5), format = "procedural" }
projection { P, P, name = "PP_prob", conn = fixed_probability(0.3, { autapses = false }),
             weight = uniform(0.0, 0.01), delay = 0.2, psm = exp_curr(2.0), format = "procedural" }
projection { P, P, name = "PP_out", conn = fixed_outdegree(8, { autapses = false }),
             weight = uniform(0.0, 0.01), delay = 0.2, psm = exp_curr(2.5), format = "procedural" }
record { S = "spikes", P = { "spikes", "V" }, Dp = "spikes", Da = "spikes", Do = "spikes",
         Di = "spikes", Dt = "spikes", D1 = "spikes", Pa = { "spikes", "V" }, P1 = "spikes",
         Pp = { "spikes", "V" }, Pq = "spikes", Po = { "spikes", "V" }, Pm = "spikes",
         Pw = { "spikes", "V" }, Pi = { "spikes", "V" } }
