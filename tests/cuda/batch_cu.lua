-- Custom updates over batch lanes on the CUDA back end (tests/e2e/cuda_batch_custom.sh):
-- a softmax over a population per lane (max and sum reductions over the neurons and
-- references to them), batch_sum and batch_max over the lanes with random draws, an
-- update held once (runs once, with the last lane) on a batch sum, and a group whose lanes
-- must run in turn (a per-lane update reads what an earlier update of its group writes
-- once: lanes 0..B-2 see the value before, as on the C back end; and writes a shared
-- variable lane after lane), a runtime parameter.
network { name = "bcu", dt = 1.0, seed = 5, batch = 3,
          precision = param("float", 0) == 1 and "float" or "double" }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0, G = 0.0, U = 0.0 },
  sim = "V = 6.0 * sin(0.37 * id + 0.11 * t) + 0.5 * normal() + U; G += 0.01 * V * V;" }
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
-- over the lanes, each update over all lanes at once
custom_update { name = "GSum", group = "Reduce", every = 4,
  vars = { g = { reduce = "batch_sum" }, h = { reduce = "batch_max" }, k = 0.0 },
  var_refs = { G = ref_rw(Out, "G"), pi = ref(Out, "pi") },
  code = "g = G * pi + 1e-3 * uniform(); h = G + uniform(); k += 1.0; G = 0.0;" }
custom_update { name = "Mom", group = "Apply", every = 4,
  vars = { m = { init = 0.5, shared = true } },
  var_refs = { g = ref("GSum", "g"), h = ref("GSum", "h") },
  code = "m = 0.9 * m + g + 0.001 * h + 0.01 * uniform();" }
-- the lanes in turn: Use reads m (held once) and q (a batch max) after Mom and QMax
custom_update { name = "QMax", group = "Turn", every = 4,
  vars = { q = { reduce = "batch_max" }, z = { reduce = "sum" } },
  var_refs = { V = ref(Out, "V") },
  code = "q = V; z = V * V;" }
custom_update { name = "Once", group = "Turn",
  vars = { r = { init = 0.0, shared = true } },
  var_refs = { m = ref("Mom", "m") },
  code = "r = r + m;" }
custom_update { name = "Use", group = "Turn", params = { eta = 0.01 }, runtime = { "eta" },
  vars = { c = 0.0, s = { init = 0.0, shared = true } },  -- s: lanes in order, the last stays
  var_refs = { q = ref("QMax", "q"), z = ref("QMax", "z"), r = ref("Once", "r"),
               V = ref(Out, "V"), U = ref_rw(Out, "U") },
  code = [[
    c += 1.0;
    s = 0.5 * s + V;
    U = 0.1 * q + eta * r + 0.001 * id + 0.0001 * c + 1e-4 * z + 1e-3 * s;
  ]] }
record { Out = { "V", "pi", "G", "U" }, GSum = "k", Use = "c" }
