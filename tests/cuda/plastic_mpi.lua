-- Weight update models with --backend cuda --mpi (tests/e2e/cuda_mpi_plastic.sh): Poisson-like
-- sources onto LIF neurons and a recurrent projection, both plastic, run in the CUDA
-- emulation on 1 and 2 ranks against the C MPI simulator.  SE: STDP with presynaptic and
-- postsynaptic spike code and dynamics (random draws keyed by the neuron) and on_pre /
-- on_post with random draws keyed by the synapse (its global target), add_to_post in on_pre;
-- EE: synapse 'dynamics' reading V_post and adding into the targets (add_to_post: the
-- column view, this rank's targets).  The delivered weights and added values are multiples
-- of 1/16 (g, floor), so every sum into a target is exact in any order.
--   -D prespike=0: no presynaptic spike code (exchanged every min-delay interval, 3 steps)
--   -D addpre=1: EE's dynamics also add into the sources (add_to_pre, exact over the ranks)
--   -D rw=1: a connectivity update rewires SE (removal by weight, add.count / add.target,
--            new synapses' variables drawn); -D rw=2: candidates rewire EE
local prespike = param("prespike", 1) == 1
local addpre = param("addpre", 0) == 1
local rw = param("rw", 0)
network { name = "plastic_mpi", dt = 0.1, seed = 9, precision = "double" }
local pvn = neuron { name = "pv", vars = { V = 0.0 }, sim = "V = uniform();",
                     threshold = "V < 0.03" }
local S = population { "S", pvn, 31 }
local E = population { "E", lif, 23, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 900.0, sd = 600.0 } }
local stdp = synapse { name = "qstdp", weight = "g",
  params = { A = 0.25, sigma = 0.125 },
  vars = { w = 8.0, g = 8.0, c = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  pre_spike = prespike and "x += 0.5 + 0.5 * uniform();" or nil,
  pre_dynamics = prespike and "x *= 0.875;" or "x = 0.75 * x + 0.25 * uniform();",
  post_spike = "y += 0.5 + 0.5 * uniform();", post_dynamics = "y *= 0.875;",
  on_pre = [[
    w = fmax(0.0, w - A * y + sigma * normal());
    g = floor(w * 16.0) / 16.0;
    c += 1.0;
    add_to_post(floor(x * 4.0) / 16.0);
  ]],
  on_post = [[
    w = fmin(40.0, w + A * x + sigma * uniform());
    g = floor(w * 16.0) / 16.0;
  ]] }
local dyn = synapse { name = "qdyn", weight = "g", vars = { w = 2.0, g = 2.0, e = 0.0 },
  dynamics = addpre and [[
    e = 0.5 * e + 0.001 * (V_post + 65.0);
    w = w + 0.01 * e;
    g = floor(w * 16.0) / 16.0;
    add_to_post(floor(e * 64.0) / 64.0);
    add_to_pre(50.0 * w * e);
  ]] or [[
    e = 0.5 * e + 0.001 * (V_post + 65.0);
    w = w + 0.01 * e;
    g = floor(w * 16.0) / 16.0;
    add_to_post(floor(e * 64.0) / 64.0);
  ]] }
local SE = projection { S, E, name = "SE", conn = fixed_probability(0.4), synapse = stdp,
             delay = 0.3, psm = delta() }
local EE = projection { E, E, name = "EE", conn = fixed_probability(0.3), synapse = dyn,
             delay = 0.3, psm = delta(), pre_input = addpre and "Isyn" or nil }
if rw == 1 then
  connectivity_update { name = "rw", projection = SE, every = 40,
    remove = "g < 7.0 || uniform() < 0.05",
    add = { count = "floor(uniform() * 3.0)", target = "floor(uniform() * N_post)",
            init = { w = "6.0 + 4.0 * uniform()", g = 8.0, c = 0.0 } } }
elseif rw == 2 then
  connectivity_update { name = "rw", projection = EE, every = 40,
    candidates = { count = 4, remove = "uniform() < 0.3", add = "uniform() < 0.5" },
    add = { init = { w = 2.0, g = 2.0, e = "0.01 * uniform()" } } }
end
record { S = "spikes", E = { "spikes", "V" } }
