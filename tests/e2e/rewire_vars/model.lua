-- tests/e2e/rewire_vars.sh: custom-update variables on a rewired projection move with
-- their synapse.  Every 10 steps group "Acc" runs two custom updates over the synapses of
-- SE, then connectivity update "rw" (triggered by the group) removes the synapses whose
-- custom-update variable s exceeds 50 (after 4 runs) and adds 0-2 per row, redrawing
-- targets the row has (add.redraw; -D mode=1: the candidates built-in forms them instead).
-- The custom updates copy their variables into synapse variables (a, b, c2, d) that
-- record{} writes, so check.py can tell each synapse's age
-- and origin from every snapshot:
--   Acc:  m (declared 0) += 1; s (declared 5) *= 2; q (declared -1; add.init: 100 post + pre)
--   Acc2: m (declared 0; add.init "Acc2.m" = 7) += 1  -- 'm' twice: qualified names
network { name = "rewire_vars", dt = 0.1, seed = 7, precision = "double" }
local S = population { "S", poisson { rate = 40.0 }, 20 }
local E = population { "E", lif, 20, init = { V = uniform(-70.0, -55.0) } }
local tag = synapse { name = "tag", vars = { w = 1.0, a = 0.0, b = 0.0, c2 = 0.0, d = 0.0 } }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.2), synapse = tag,
  weight = uniform(0.0, 1.0), delay = 0.5, psm = exp_curr(2.0), row_padding = 0.5 }
custom_update { name = "Acc", group = "Acc", every = 10,
  vars = { m = 0.0, s = 5.0, q = -1.0 },
  var_refs = { a = ref_rw(P, "a"), b = ref_rw(P, "b"), d = ref_rw(P, "d") },
  code = "m += 1.0; s = s * 2.0; a = m; b = s; d = q;" }
custom_update { name = "Acc2", group = "Acc", every = 10, vars = { m = 0.0 },
  var_refs = { c2 = ref_rw(P, "c2") }, code = "m += 1.0; c2 = m;" }
local init = { w = 0.5, q = "100 * id_post + id_pre", ["Acc2.m"] = 7.0 }
if param("mode", 0) == 0 then
  connectivity_update { name = "rw", projection = P, group = "Acc",
    remove = "s > 50.0",
    add = { count = "floor(uniform() * 3)", target = "floor(uniform() * N_post)", redraw = true,
            init = init } }
else -- mode 1: the candidates built-in forms the new synapses (its remove reads s and a
     -- but never fires), so the same rules hold
  connectivity_update { name = "rw", projection = P, group = "Acc",
    remove = "s > 50.0",
    candidates = { count = 4, remove = "s + a > 1e9", add = "uniform() < 0.7" },
    add = { init = init } }
end
record { E = "spikes", SE = { "a", "b", "c2", "d", every = 10 } }
