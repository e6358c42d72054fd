-- Custom updates on the CUDA back end (tests/e2e/cuda_learning.sh): the softmax of
-- tests/e2e/custom_updates.sh (max and sum reductions over a readout, references to other
-- custom updates' reductions), a synapse update with a runtime parameter (w += eta * g,
-- g accumulated by synapse dynamics, a per-synapse variable of its own) whose weights drive the targets, a per-neuron custom
-- variable with id and t, and groups on different schedules (every, at_end, run config).
network { name = "learn_cu", dt = 1.0, seed = 3, precision = param("float", 0) == 1 and "float" or "double" }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 },
  sim = "V = 6.0 * sin(0.37 * id + 0.11 * t) + 0.001 * id;" }
local Out = population { "Out", wave, 37 }
custom_update { name = "SoftmaxMax", group = "Softmax",
  vars = { M = { reduce = "max" } },
  var_refs = { V = ref("Out", "V") },
  code = "M = V;" }
custom_update { name = "SoftmaxSum", group = "Softmax",
  vars = { S = { reduce = "sum" } },
  var_refs = { V = ref("Out", "V"), M = ref("SoftmaxMax", "M") },
  code = "S = exp(V - M);" }
custom_update { name = "SoftmaxOut", group = "Softmax", every = 1,
  var_refs = { V = ref(Out, "V"), M = ref("SoftmaxMax", "M"), S = ref("SoftmaxSum", "S"),
               pi = ref_rw(Out, "pi") },
  code = "pi = exp(V - M) / S;" }
local src = neuron { name = "src", vars = { z = 0.0 }, sim = "z = 0.0;",
                     threshold = "mod(t, 3.0) < 0.5", reset = "" }
local acc = neuron { name = "acc", vars = { V = 0.0, U = 0.0 }, sim = "V += Isyn; U = U;" }
local gsyn = synapse { name = "gsyn", vars = { w = 0.5, g = 0.0 },
  dynamics = "g += 0.01 * (id_pre + 1.0) + 0.001 * id_post;" }
local S = population { "S", src, 5 }
local P = population { "P", acc, 7 }
projection { S, P, name = "SP", conn = all_to_all(), synapse = gsyn, delay = 1.0,
             format = param("dense", 0) == 1 and "dense" or "sparse" }
custom_update { name = "Learn", group = "Learn", params = { eta = 0.1 }, runtime = { "eta" },
  vars = { acc = 0.25 },
  var_refs = { w = ref_rw("SP", "w"), g = ref_rw("SP", "g") },
  code = [[
    acc += g;
    w = w + eta * g + 0.01 * acc;
    g = 0.0;
  ]], every = 10 }
custom_update { name = "Tick", group = "Tick", vars = { n = 0.0 },
  var_refs = { U = ref_rw("P", "U") },
  code = "n += 1.0; U = n + 0.001 * id + t;", every = 3 }
custom_update { name = "Fin", group = "Fin", vars = { T = { reduce = "sum" } },
  var_refs = { U = ref_rw("P", "U") }, code = "T = U; U = -U;", at_end = true }
record { Out = { "V", "pi" }, P = { "V", "U" }, S = "spikes" }
