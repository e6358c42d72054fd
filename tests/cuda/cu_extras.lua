-- Custom-update extras (docs/language.md "Custom updates"): random draws in custom-update
-- code and the synapse's neurons (V_post, z_pre, id_pre, id_post) in an update over
-- synapses.  Every source fires every step; each step the group 'G' runs:
--   Draw  (over P's synapses): a = uniform(), w = floor(a * 2^20), sa += a (whole numbers, so the
--         targets' input sums are exact in any order of addition), stream "cu:Draw",
--         synapse-keyed (source, target, ordinal among the pair's multapses, step);
--   Probe (over P's synapses, not with -D mpi=1: --mpi refuses _pre): d = 1000 z_pre +
--         V_post + 0.001 id_pre + 1e-6 id_post;
--   NDraw (over Dst's neurons): x = uniform(), e = exponential(), g = normal(), stream
--         "cu:NDraw", neuron-keyed (global neuron, step).
-- The updates' own sums sa (per synapse) and sx, n (per neuron) are recorded directly
-- (record { Draw = ..., NDraw = ... }).
-- Used by tests/e2e/cu_extras.sh (a NumPy Philox against the values; threads, ranks,
-- lanes) and tests/e2e/cuda_learning.sh (-D cuda=1: the CUDA back end cannot record
-- synapse variables, so only Dst's states are compared).
local batch = param("batch", 0)
network { name = "cux", dt = 1.0, seed = 3, precision = "double", batch = batch > 0 and batch or nil }
local clock = neuron { name = "clock", vars = { z = 0.0 }, sim = "z = 0.25 * id + 0.5 * t;",
                       threshold = "true" }
local sink = neuron { name = "sink", vars = { V = 0.0, x = 0.0, e = 0.0, g = 0.0 },
                      sim = "V = 0.5 * V + Isyn + 0.125 * id;" }
local wsyn = synapse { name = "wsyn", vars = { w = 0.0, a = 0.0, d = 0.0 } }
local Src = population { "Src", clock, 5 }
local Dst = population { "Dst", sink, 9 }
projection { Src, Dst, name = "P", conn = fixed_indegree(4, { multapses = true }), synapse = wsyn,
             delay = 1.0 }
custom_update { name = "Draw", group = "G", every = 1, vars = { sa = 0.0 },
  var_refs = { w = ref_rw("P", "w"), a = ref_rw("P", "a") },
  code = "a = uniform(); w = floor(a * 1048576.0); sa += a;" }
if param("mpi", 0) == 0 then
  custom_update { name = "Probe", group = "G",
    var_refs = { d = ref_rw("P", "d") },
    code = "d = 1000.0 * z_pre + V_post + 0.001 * id_pre + 1e-6 * id_post;" }
end
custom_update { name = "NDraw", group = "G", vars = { sx = 0.0, n = 0.0 },
  var_refs = { x = ref_rw("Dst", "x"), e = ref_rw("Dst", "e"), g = ref_rw("Dst", "g") },
  code = "x = uniform(); e = exponential(); g = normal(); sx += x; n += 1.0;" }
if param("cuda", 0) == 0 then
  record { P = { "w", "a", "d", every = 1 }, Dst = { "V", "x", "e", "g" }, Src = { "z" },
           NDraw = { "sx", "n" }, Draw = { "sa", every = 1 } }
else
  record { Dst = { "V", "x", "e", "g" }, NDraw = { "sx", "n", every = 2 } }
end
