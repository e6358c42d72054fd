-- Custom updates over synapses over batch lanes on the CUDA back end
-- (tests/e2e/cuda_batch_cusyn.sh): an eligibility-style gradient per lane and synapse
-- (synapse dynamics with draws), summed over the lanes (batch_sum, and a batch_max) with
-- per-lane draws, each lane's gradient zeroed; an Adam step per lane on the lanes' own
-- weights from the one sum (eprop_adam{ batch = true }'s pattern, with the step count of a
-- reduction over neurons per lane); a projection whose weights are held once
-- (synapse{ shared = { "w" } }) stepped by an update held once (runs once); a group whose
-- lanes run in turn (a per-lane update reads a batch max of its group and writes a
-- held-once variable of its own, which the next lane reads, and the lane's weights); a
-- runtime parameter; synapse recordings per lane.
-- -D dense=1: format = "dense"; -D float=1: single precision.
local dense = param("dense", 0) == 1
network { name = "bcs", dt = 1.0, seed = 11, batch = 3,
          precision = param("float", 0) == 1 and "float" or "double" }
-- one source spikes a step: one term in each target's input sum, exact in any order (the
-- device adds a step's input by atomics, docs/cuda.md "Batches")
local src = neuron { name = "src", vars = { V = 0.0 }, sim = "V = t;",
                     threshold = "mod(V + 3.0 * id, 23.0) < 0.5", reset = "" }
local acc = neuron { name = "acc", vars = { V = 0.0, E = 0.0 },
  sim = "V = 0.8 * V + Isyn + 0.2 * normal(); E = tanh(V);",
  threshold = "V > 1.2", reset = "V = 0.0;" }
local S = population { "S", src, 23 }
local P = population { "P", acc, 9 }
local Q = population { "Q", acc, 6 } -- its own input: two projections' atomics would interleave
local elig = synapse { name = "elig", vars = { w = 0.3, g = 0.0 },
  dynamics = "g += 0.01 * E_post + 0.001 * uniform();" }
local eligs = synapse { name = "eligs", vars = { w = 0.2, g = 0.0 }, shared = { "w" },
  dynamics = "g += 0.02 * (E_post - 0.1);" }
projection { S, P, name = "SP", synapse = elig, delay = 1.0,
             conn = dense and all_to_all() or fixed_probability(0.5),
             format = dense and "dense" or "sparse", weight = uniform(0.0, 0.6) }
projection { S, Q, name = "SQ", synapse = eligs, delay = 2.0,
             conn = dense and all_to_all() or fixed_probability(0.4),
             format = dense and "dense" or "sparse" }
-- the lanes' gradients summed, in lane order; each lane's zeroed
custom_update { name = "Sum", group = "GradSum", every = 5,
  vars = { G = { reduce = "batch_sum" }, H = { reduce = "batch_max" }, c = 0.0 },
  var_refs = { g = ref_rw("SP", "g") },
  code = "G = g + 1e-4 * uniform(); H = g; c += g; g = 0.0;" }
custom_update { name = "SumQ", group = "GradSum", every = 5,
  vars = { G = { reduce = "batch_sum" } },
  var_refs = { g = ref_rw("SQ", "g") },
  code = "G = g; g = 0.0;" }
-- Adam per lane on the lane's weights (the lanes read the one sum)
custom_update { name = "Step", group = "Learn", every = 5,
  vars = { n = 0.0, T = { reduce = "max" } }, var_refs = { any = ref(P, "V") },
  code = "n += 1.0; T = n;" }
custom_update { name = "Adam", group = "Learn", every = 5,
  params = { lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }, runtime = { "lr" },
  vars = { m = 0.0, v = 0.0 },
  var_refs = { w = ref_rw("SP", "w"), G = ref("Sum", "G"), H = ref("Sum", "H"),
               T = ref("Step", "T") },
  code = [[
    m = beta1 * m + (1.0 - beta1) * G;
    v = beta2 * v + (1.0 - beta2) * G * G;
    scalar s1 = 1.0 / (1.0 - pow(beta1, T));
    scalar s2 = 1.0 / (1.0 - pow(beta2, T));
    w = w - lr * m * s1 / (sqrt(v * s2) + eps) + 1e-4 * H;
  ]] }
-- the shared weights: held once, run once
custom_update { name = "AdamQ", group = "Learn", every = 5,
  params = { lr = 0.02, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }, runtime = { "lr" },
  vars = { m = { init = 0.0, shared = true }, v = { init = 0.0, shared = true },
           k = { init = 0.0, shared = true } },
  var_refs = { w = ref_rw("SQ", "w"), G = ref("SumQ", "G") },
  code = [[
    k += 1.0;
    m = beta1 * m + (1.0 - beta1) * G;
    v = beta2 * v + (1.0 - beta2) * G * G;
    w = w - lr * m / (1.0 - pow(beta1, k)) / (sqrt(v / (1.0 - pow(beta2, k))) + eps);
  ]] }
-- the lanes in turn: Turn reads x, a batch max of its group's earlier update (complete
-- after the last lane: lanes 0..B-2 read the value before), and s, held once and written
-- lane after lane (the last lane's stays)
custom_update { name = "TurnMax", group = "Turn", every = 7,
  vars = { x = { reduce = "batch_max" } }, var_refs = { w = ref("SP", "w") },
  code = "x = w;" }
custom_update { name = "Turn", group = "Turn", every = 7,
  vars = { s = { init = 0.0, shared = true }, q = 0.0 },
  var_refs = { w = ref_rw("SP", "w"), g = ref("SP", "g"), x = ref("TurnMax", "x") },
  code = "s = 0.5 * s + g + 0.01 * id_pre; q += s; w = w + 1e-3 * s - 1e-4 * q + 1e-3 * x;" }
record { P = { "spikes", "V", "E" }, Q = { "spikes", "V" }, S = "spikes" }
-- synapse recordings per lane (lane b's into lane<b>/): the lane's weights and variables,
-- the shared weights, a per-lane and a held-once custom-update variable (sparse: the CUDA
-- back end records no dense projection)
if not dense then
  record { SP = { "w", "g", every = 10 }, SQ = { "w", every = 10 }, Adam = { "m", every = 10 },
           Sum = { "G", every = 10 } }
end
