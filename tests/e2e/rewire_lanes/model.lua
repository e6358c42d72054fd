-- tests/e2e/rewire_lanes.sh: a connectivity update in a batched model (docs/language.md
-- "Connectivity updates", "In batched models").  tests/e2e/rewire_vars/model.lua's
-- projection and custom updates with B lanes (-D batch, default 4), and a per-lane synapse
-- variable x that differs from lane to lane (x += uniform(): the lane's own draws), a
-- variable h shared by the lanes (synapse{ shared }), Poisson input per lane.  Every 10
-- steps group "Acc" runs the custom updates, then "rw" removes and adds:
--   mode 0: remove "s > 50" (s is per lane but the same in every lane), add 0-2 per row
--           with add.redraw;
--   mode 1: the same with candidates = { ... } forming the new synapses;
--   mode 2: mode 0's, removing also where lane 0's x exceeds 17.5 (a value that differs
--           between the lanes: lane 0 decides for every lane).
local B = param("batch", 4)
local mode = param("mode", 0)
network { name = "rewire_lanes", dt = 0.1, seed = 7, precision = "double", batch = B }
local S = population { "S", poisson { rate = 40.0 }, 20 }
local E = population { "E", lif, 20, init = { V = uniform(-70.0, -55.0) } }
local tag = synapse { name = "tag",
  vars = { w = 1.0, x = 0.0, h = 0.0, a = 0.0, b = 0.0, c2 = 0.0, d = 0.0 }, shared = { "h" },
  dynamics = "x += uniform();" }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.2), synapse = tag,
  weight = uniform(0.0, 1.0), delay = 0.5, psm = exp_curr(2.0), row_padding = 0.5 }
custom_update { name = "Acc", group = "Acc", every = 10,
  vars = { m = 0.0, s = 5.0, q = -1.0 },
  var_refs = { a = ref_rw(P, "a"), b = ref_rw(P, "b"), d = ref_rw(P, "d"), h = ref_rw(P, "h") },
  code = "m += 1.0; s = s * 2.0; a = m; b = s; d = q; h = m + 0.5;" }
custom_update { name = "Acc2", group = "Acc", every = 10, vars = { m = 0.0 },
  var_refs = { c2 = ref_rw(P, "c2") }, code = "m += 1.0; c2 = m;" }
local init = { w = 0.5, q = "100 * id_post + id_pre", ["Acc2.m"] = 7.0 }
if mode ~= 1 then
  connectivity_update { name = "rw", projection = P, group = "Acc",
    remove = mode == 2 and "s > 50.0 || x > 17.5" or "s > 50.0",
    add = { count = "floor(uniform() * 3)", target = "floor(uniform() * N_post)", redraw = true,
            init = init } }
else
  connectivity_update { name = "rw", projection = P, group = "Acc",
    remove = "s > 50.0",
    candidates = { count = 4, remove = "s + a > 1e9", add = "uniform() < 0.7" },
    add = { init = init } }
end
record { E = "spikes", SE = { "w", "x", "h", "a", "b", "c2", "d", every = 10 } }
