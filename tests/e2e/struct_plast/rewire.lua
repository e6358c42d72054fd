-- tests/e2e/struct_plast.sh: a connectivity update on a 20 x 20 projection.  Each synapse
-- counts the spikes of its target since it was made (on_post: c += 1), which is right only
-- if the column views are rebuilt after every update.  mode 0: remove weak synapses and a
-- few at random, add 0-3 per row at drawn targets; mode 1: add as many as were removed
-- (add.total = n_removed), spread over the rows with room; mode 2: mode 0 triggered by the
-- custom-update group "Rewire".
network { name = "rewire", dt = 0.1, seed = 21, precision = "double" }
local mode = param("mode", 0)
local cap = param("cap", 0)   -- > 0: max_row_length = cap instead of row_padding
local S = population { "S", poisson { rate = 40.0 }, 20 }
local E = population { "E", lif, 20, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 500.0, sd = 400.0 } }
local tag = synapse { name = "tag", vars = { w = 1.0, c = 0.0 }, on_post = "c += 1.0;" }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.1), synapse = tag,
  weight = uniform(0.0, 1.0), delay = 0.5, psm = exp_curr(2.0),
  max_row_length = cap > 0 and cap or nil, row_padding = cap == 0 and 0.25 or nil }
if mode == 0 or mode == 2 then
  if mode == 2 then   -- the same, run by a custom-update group (every 10 steps by default)
    custom_update { name = "Touch", group = "Rewire", every = 10,
      var_refs = { w = ref_rw(P, "w") }, code = "w = w;" }
  end
  connectivity_update { name = "rw", projection = P,
    every = mode == 0 and 10 or nil, group = mode == 2 and "Rewire" or nil,
    params = { theta = 0.3, p = 0.05, w0 = 0.5 },
    remove = "w < theta || uniform() < p",
    add = { count = "floor(uniform() * 4)", target = "floor(uniform() * N_post)",
            init = { w = "w0 + 0.5 * uniform()" } } }
else
  connectivity_update { name = "rw", projection = "SE", every = 10,
    remove = "w < 0.3",
    add = { total = "n_removed", target = "floor(uniform() * N_post)", init = { w = 0.75 } } }
end
record { E = "spikes", SE = { "w", "c", every = 10 } }
