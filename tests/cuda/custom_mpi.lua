-- Custom updates with --backend cuda --mpi (tests/e2e/cuda_mpi_custom.sh): the neurons split
-- over the ranks, the updates over each rank's own neurons and over the synapses onto them.
--   Softmax (every step): M = max V and S = sum exp(V - M) over Out (reductions combined
--     across the ranks), pi = exp(V - M) / S written into Out (which its dynamics read);
--   Tick (every 3 steps, over Out, no reduction): a per-neuron counter, id, t and a
--     neuron-keyed draw written into x;
--   Learn (every 5 steps, over SP's synapses): w moved by the gradient g that the synapse
--     dynamics accumulate, V_post, id_pre, id_post and a synapse-keyed draw, a per-synapse
--     sum of its own, a runtime parameter; its weights drive Out;
--   Fin (at the end): T = sum U over Out, U = -U.
-- Out has 23 neurons (8 + 8 + 7 on 3 ranks), Src 11.
network { name = "custom_mpi", dt = 1.0, seed = 5,
          precision = param("float", 0) == 1 and "float" or "double" }
local src = neuron { name = "src", vars = { V = 0.0 }, sim = "V += 0.07 + 0.013 * id;",
                     threshold = "V > 1.0", reset = "V = 0.0;" }
local rd = neuron { name = "rd", vars = { V = 0.0, pi = 0.0, x = 0.0, U = 0.0 },
  sim = "V = 0.8 * V + Isyn + 0.02 * id + 0.4 * pi + 0.001 * x; U += 0.01 * V;",
  threshold = "V > 1.2", reset = "V = 0.1 * pi;" }
local Src = population { "Src", src, 11 }
local Out = population { "Out", rd, 23 }
local gsyn = synapse { name = "gsyn", vars = { w = 0.3, g = 0.0 },
  dynamics = "g += 0.001 * V_post - 0.0002 * id_pre;" }
projection { Src, Out, name = "SP", conn = fixed_probability(0.6), synapse = gsyn, delay = 1.0 }
custom_update { name = "SoftmaxMax", group = "Softmax", every = 1,
  vars = { M = { reduce = "max" } },
  var_refs = { V = ref("Out", "V") },
  code = "M = V;" }
custom_update { name = "SoftmaxSum", group = "Softmax",
  vars = { S = { reduce = "sum" } },
  var_refs = { V = ref("Out", "V"), M = ref("SoftmaxMax", "M") },
  code = "S = exp(V - M);" }
custom_update { name = "SoftmaxOut", group = "Softmax",
  var_refs = { V = ref(Out, "V"), M = ref("SoftmaxMax", "M"), S = ref("SoftmaxSum", "S"),
               pi = ref_rw(Out, "pi") },
  code = "pi = exp(V - M) / S;" }
custom_update { name = "Tick", group = "Tick", every = 3, vars = { n = 0.0 },
  var_refs = { x = ref_rw("Out", "x") },
  code = "n += 1.0; x = n + 0.001 * id + t + 0.5 * uniform();" }
custom_update { name = "Learn", group = "Learn", every = 5, params = { eta = 0.05 },
  runtime = { "eta" }, vars = { acc = 0.25 },
  var_refs = { w = ref_rw("SP", "w"), g = ref_rw("SP", "g") },
  code = [[
    acc += g;
    w = w + eta * g - 0.002 * V_post + 0.01 * uniform() + 1e-4 * id_post + 1e-5 * id_pre;
    g = 0.0;
  ]] }
custom_update { name = "Fin", group = "Fin", vars = { T = { reduce = "sum" } },
  var_refs = { U = ref_rw("Out", "U") }, code = "T = U; U = -U;", at_end = true }
record { Out = { "spikes", "V", "pi", "x", "U" }, Src = "spikes", Tick = { "n", every = 3 } }
