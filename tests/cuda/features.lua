-- Every feature the CUDA back end lowers, in one small model
network { name = "features", dt = 0.1, seed = 7 }
local cell = lif { I_e = 300.0 }
local S = population { "S", spike_source_array { times = { {1.0, 2.0, 5.0}, {}, {3.0} } }, 3 }
local A = population { "A", cell, 50, init = { V = uniform(-70.0, -55.0) }, runtime = { "I_e" } }
local B = population { "B", lif_alpha { }, 40, init = { V = normal(-65.0, 2.0) } }
local C = population { "C", lif { }, 30 }
projection { S, A, conn = all_to_all(), weight = 100.0, delay = 1.0 }
projection { A, B, conn = fixed_probability(0.2), weight = normal(20.0, 2.0),
             delay = uniform(0.5, 3.0), psm = exp_curr(2.0) }
projection { A, C, conn = fixed_outdegree(5), weight = 2.0, delay = 0.8, psm = exp_cond { tau = 5.0, E = 0.0 } }
projection { B, C, conn = fixed_total(200), weight = 30.0, delay = 2.0, psm = alpha_curr(0.5) }
projection { A, A, conn = fixed_indegree(10), synapse = stdp, weight = uniform(0.2, 0.8), delay = 1.5,
             psm = exp_curr(5.0) }
-- user-defined connectivity (connectivity{}): built by the host half, as in C
local ring = connectivity { name = "ring", params = { w = 2 }, count = "2 * w",
                            target = "mod(i + k - w + (k >= w ? 1 : 0), N_post)" }
local near = connectivity { name = "near", params = { p = 0.5 }, prob = "abs(i - j) < 5 ? p : 0" }
projection { C, C, conn = ring, weight = 5.0, delay = 1.0 }
projection { B, A, conn = near { p = 0.3 }, weight = uniform(1.0, 3.0), delay = 1.0 }
local near_b = connectivity { name = "near_b", params = { p = 0.5 }, max_prob = "p",
                              prob = "abs(i - j) < 5 ? p * (1 - 0.1 * abs(i - j)) : 0" }
projection { B, A, name = "B_to_A_bound", conn = near_b { p = 0.3 }, weight = 0.5, delay = 1.0 }
-- formats, extra global parameters and random draws in synapse code
local gain = {}
for i = 1, 20 do gain[i] = 0.5 + 0.05 * i end
local gained = neuron { name = "gained", vars = { V = 0.0 }, egp = { "gain" },
  sim = "V += dt * (-V / 10.0) + gain[id] * Isyn;", threshold = "V >= 8.0", reset = "V = 0.0;" }
local G = population { "G", gained, 20, egp = { gain = gain } }
projection { A, G, conn = fixed_probability(0.3), weight = 0.5, delay = 1.0, format = "dense" }
projection { A, G, name = "A_G_proc", conn = fixed_outdegree(4), weight = uniform(0.01, 0.04), delay = 0.6,
             psm = exp_curr(1.0), format = "procedural" }
projection { B, G, conn = fixed_probability(0.2), weight = 0.3, delay = 0.4, format = "procedural" }
projection { G, G, conn = all_to_all { autapses = false }, weight = normal(0.002, 0.0005),
             psm = exp_curr(3.0), format = "procedural" }
local jitter = synapse { name = "jitter", vars = { w = 0.02 }, pre_vars = { x = 0.0 },
  on_pre = "w = fmin(0.05, fmax(0.0, w + 0.001 * normal() + 0.0001 * x));",
  pre_dynamics = "x = 0.9 * x + uniform();" }
projection { C, G, conn = fixed_probability(0.3), synapse = jitter, delay = 0.5, psm = exp_curr(2.0) }
current_source { B, dc { amp = 50.0 } }
current_source { C, step_current { times = { 5, 10 }, amps = { 200, 0 } } }
current_source { C, noise { mean = 100.0, sd = 20.0 } }
current_source { B, poisson_input { rate = 8000.0, weight = 10.0 }, psm = exp_curr(0.5) }
record { S = "spikes", A = { "spikes", "V", every = 5, neurons = 10 }, B = "spikes", C = "V", G = "spikes" }
