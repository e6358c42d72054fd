-- Random numbers v2 (docs/architecture.md "Random numbers"): draws in synapse code and
-- random initial values of synapse variables are keyed by the synapse's identity (source,
-- target, ordinal among the pair's multapses), not by where it is stored.  Every neuron
-- fires every step, so every synapse runs on_pre, on_post and dynamics in every step
-- (from step 1 on); each code string keeps its last draws in its own variables, and the
-- recording of every step lists them per synapse.  fixed_indegree(12) from 5 sources with
-- multapses gives every pair several synapses.  Used by tests/e2e/rng_v2.sh (a NumPy
-- Philox against these values; threads and ranks) and tests/e2e/cuda_emulated.sh (the
-- CUDA back end bit for bit; -D cuda=1: it cannot record synapse variables yet, so each
-- synapse delivers whole numbers made of all its draws, whose sums in 'acc' are exact in
-- any order of addition).
network { name = "synrng", dt = 0.1, seed = 3, precision = "double" }
local clock = neuron { name = "clock", vars = { acc = 0.0 }, threshold = "true" }
local drawn = synapse {
  name = "drawn", vars = { w = 0.0, a = 0.0, b = 0.0, q = 0.0, d = 0.0, c = 0.0 },
  on_pre = "a = uniform(); b = uniform(); w = floor(a * 1048576.0) + floor(b * 1024.0) + "
        .. "floor(q * 1048576.0) + floor(d * 1048576.0) + floor(c * 1048576.0);",
  on_post = "q = uniform();",
  dynamics = "d = exponential();",
}
local pre = population { "pre", clock, 5 }
local post = population { "post", clock, 4 }
projection { pre, post, name = "P", conn = fixed_indegree(12, { multapses = true }),
             synapse = drawn, init = { c = uniform(-1.0, 1.0) }, target = "acc", delay = 0.1 }
if param("cuda", 0) == 0 then
  record { P = { "a", "b", "q", "d", "c", every = 1 }, post = "acc" }
else
  record { post = "acc" }
end
