-- Runtime parameters of current sources and weight update models (tests/e2e/cuda_emulated.sh).
network { name = "rtp", dt = 0.1, precision = "double" }
local n = population { "n", lif, 4, init = { V = -70.0 } }
current_source { n, dc { amp = 400 }, name = "drive", runtime = { "amp" } }
current_source { n, poisson_input { rate = 100, weight = 50 }, name = "kick",
                 runtime = { "rate", "weight" } }
local function clock(a, b)
  return neuron { name = "clock", vars = { acc = 0.0 },
                  threshold = string.format("fabs(t - %g) < 0.05 || fabs(t - %g) < 0.05", a, b) }
end
local pre  = population { "pre",  clock(10.0, 90.0), 1 }
local post = population { "post", clock(15.0, -100.0), 1 }
projection { pre, post, conn = one_to_one(), delay = 0.1, target = "acc", name = "EE",
             synapse = stdp, weight = 0.5, runtime = { "A_plus" } }
record { n = "spikes", post = { "acc" } }
