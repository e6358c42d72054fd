-- add_to_post / add_to_pre on the CUDA back end (tests/e2e/cuda_learning.sh): the closed
-- forms of tests/e2e/add_to.sh (a synapse adding into its target every step; add_to_pre of
-- a fan-out of 200 terms spanning 12 orders of magnitude, whose exact sum a float sum in
-- any order misses; add_to_post in on_pre) and a plastic recurrent network with both, in
-- on_pre and dynamics, sparse and dense.
-- -D batch=B: B batch lanes (tests/e2e/cuda_batch_plastic.sh)
local batch = param("batch", 0)
network { name = "learn_addto", dt = 0.1, seed = 5, precision = "double",
          batch = batch > 0 and batch or nil }
local integ = neuron { name = "integ", vars = { V = 0.0, E = 0.0 }, inputs = { "Efb" },
                       sim = "V += Isyn; E = Efb;" }
local wide = neuron { name = "wide", vars = { V = 0.0 },
                      sim = "V = (mod(id, 7) - 3.0) * pow(10.0, mod(id, 5) * 3.0) + 0.1 * id;" }
local spiky = neuron { name = "spiky", vars = { V = 0.0 }, sim = "V = 0.0;",
                       threshold = "mod(t, 0.5) < 0.05", reset = "" }
local push = synapse { name = "push", params = { c = 0.5 }, vars = { w = 1.0 },
                       dynamics = "add_to_post(c * w);" }
local pull = synapse { name = "pull", vars = { w = 1.0 }, dynamics = "add_to_pre(w * V_post);" }
local arrive = synapse { name = "arrive", vars = { w = 1.0 }, on_pre = "add_to_post(1000.0);" }
local A = population { "A", integ, 3 }
local B = population { "B", integ, 4 }
local C = population { "C", integ, 2 }
local W = population { "W", wide, 200 }
local T = population { "T", spiky, 1 }
projection { A, B, name = "AB", conn = all_to_all(), synapse = push, weight = uniform(0.0, 1.0) }
projection { A, W, name = "AW", conn = all_to_all(), synapse = pull, weight = uniform(0.0, 1.0),
             pre_input = "Efb" }
projection { T, C, name = "TC", conn = all_to_all(), synapse = arrive, weight = 1.0,
             delay = 0.2 }
-- a network: Poisson-like sources onto LIF neurons, traces, add_to in on_pre and dynamics
local pvn = neuron { name = "pv", vars = { V = 0.0, F = 0.0 },
                    sim = "V = uniform(); F += Isyn;", threshold = "V < 0.1" }
local S = population { "S", pvn, 40 }
local E = population { "E", lif, 33, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
local fb = synapse { name = "fb", params = { g = 0.02, k = 4.0 },
  vars = { w = 100.0, e = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  pre_spike = "x += 1.0;", pre_dynamics = "x *= 0.875;",
  post_spike = "y += 1.0;", post_dynamics = "y *= 0.875;",
  on_pre = "add_to_post(k * x); w -= 0.125 * y;", on_post = "w += 0.125 * x;",
  dynamics = [[
    e = 0.9 * e + x * (V_post + 65.0);
    add_to_pre(g * e * w);
  ]] }
projection { S, E, name = "SE", conn = all_to_all(), synapse = fb, weight = 64.0,
             delay = 0.5, psm = exp_curr(2.0), pre_input = "Isyn", format = param("dense", 0) == 1 and "dense" or "sparse" }
projection { E, E, name = "EE", conn = fixed_probability(0.3), synapse = fb { g = 0.01 },
             weight = 16.0, delay = 0.2, psm = delta(), pre_input = "Isyn" }
record { B = "V", A = "E", C = "V", S = "F", E = { "spikes", "V" } }
