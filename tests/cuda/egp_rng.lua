-- Extra global parameters and random draws in synapse code, where no float sum depends on
-- the order of additions, so the CUDA simulator must reproduce the C one bit for bit
-- (tests/e2e/cuda_emulated.sh, tests/gpu):
--   D: LIF neurons driven by their own I_ext[id] (an egp); 'far' sums another neuron's
--      value and reads outside the array (which give 0);
--   a clock neuron that fires every step drives the sinks through a weight update model
--   that draws in every code string: on_pre (uniform), on_post (normal, when the sink
--   spikes), pre_spike (exponential), post_dynamics (normal); each sink gets one synaptic
--   event per step, into its variable 'acc', recorded every step.
network { name = "egprng", dt = 0.1, seed = 5 }

local nd = 50
local drive = {}
for i = 1, nd do drive[i] = 300.0 + 15.0 * i end
local driven = neuron {
  name = "driven", params = { C = 250.0, tau_m = 10.0, V_th = 15.0 }, vars = { V = 0.0, far = 0.0 },
  egp = { "I_ext" },
  sim = "V += dt / tau_m * (-V + I_ext[id] * tau_m / C); far += I_ext[id + 50] + I_ext[-1 - id] + 0.001 * I_ext[49 - id];",
  threshold = "V >= V_th", reset = "V = 0.0;",
}
population { "D", driven, nd, egp = { I_ext = drive } }

local clock = neuron { name = "clock", threshold = "true" }
local sink = neuron { name = "sink", vars = { acc = 0.0 }, threshold = "acc >= 20.0",
                      reset = "acc -= 20.0;" }
local noisy = synapse {
  name = "noisy", params = { a = 0.5 }, vars = { w = 0.0 }, pre_vars = { x = 0.0 },
  post_vars = { z = 0.0 },
  on_pre = "w = a * w + uniform() + 0.01 * z + 0.001 * x;",
  on_post = "w += 0.1 * normal();",
  pre_spike = "x += exponential();",
  post_dynamics = "z = 0.9 * z + normal();",
}
local pre = population { "pre", clock, 1 }
local post = population { "post", sink, 60 }
projection { pre, post, conn = all_to_all(), target = "acc", synapse = noisy, delay = 0.1 }
record { D = { "spikes", "far" }, post = { "spikes", "acc" } }
