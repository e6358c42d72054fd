-- Spike sources driving LIF neurons one to one, with per-synapse delays and a Poisson
-- current source, in double precision.  Every target has one synapse per input, so there
-- is no order of float additions to differ: the CUDA simulator's spikes must be the C
-- simulator's, bit for bit (tests/gpu).  Also compiled by tests/e2e/cuda_compile.sh.
-- -D batch=B: B batch lanes (tests/e2e/cuda_batch.sh, the GPU suite's sources_b4).
local batch = param("batch", 0)
network { name = "sources", dt = 0.1, seed = 3, precision = "double",
          batch = batch > 0 and batch or nil }

local n = 100
local times = {}
for i = 1, n do
  local t = {}
  for k = 1, 40 do t[k] = 10.0 * k + (i * 3) % 10 end   -- ms, ascending
  times[i] = t
end
local S = population { "S", spike_source_array { times = times }, n }
local P = population { "P", lif { }, n }
projection { S, P, conn = one_to_one(), weight = 1500.0, delay = uniform(0.5, 4.0),
             psm = exp_curr(2.0) }
current_source { P, poisson_input { rate = 3000.0, weight = 40.0 }, psm = exp_curr(0.5) }
record { S = "spikes", P = "spikes" }
