-- Weight update code on one synapse (the pair protocol of tests/e2e/stdp_pair.sh): a
-- "pre" and a "post" clock neuron fire at chosen times, pre -> post carries stdp_pl and
-- delivers into the variable 'acc', which is recorded every step; a late probe spike of
-- pre delivers the weight after the pairing.  One synapse, double precision: the CUDA
-- simulator must reproduce the C one's 'acc' bit for bit (tests/e2e/cuda_emulated.sh).
network { name = "pair", dt = 0.1, seed = 1, precision = "double" }
local function clock(a, b, c)
  return neuron { name = "clock", vars = { acc = 0.0 },
                  threshold = string.format("fabs(t - %g) < 0.05 || fabs(t - %g) < 0.05 || fabs(t - %g) < 0.05", a, b, c) }
end
local pre  = population { "pre",  clock(10.0, 30.0, 80.0), 1 }
local post = population { "post", clock(13.0, 25.0, -100.0), 1 }
projection { pre, post, conn = one_to_one(), delay = 0.1, target = "acc",
             synapse = stdp_pl, weight = 40.0 }
record { pre = "spikes", post = { "spikes", "acc" } }
