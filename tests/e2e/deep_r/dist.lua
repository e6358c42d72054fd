-- tests/e2e/deep_r_inv.sh: the distribution of DEEP R's re-insertions (deep_r.md section
-- 2.5, test 4).  deep_r{}'s connectivity update re-inserts as many synapses as were removed
-- (add.total = "n_removed": each to a row drawn uniformly among those with room) onto
-- targets drawn uniformly among those the row lacks (add.redraw); here with a removal of
-- its own (each synapse with probability 0.3, every step) on a 20 x 50 projection, 400
-- times.  t0 tags each synapse with the time it was made, so the snapshots tell what each
-- pass added.  -D bias=1: targets drawn non-uniformly (the test must see it).
local bias = param("bias", 0)
network { name = "dist", dt = 1.0, seed = 5, precision = "double" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 50 }
local tag = synapse { name = "tag", vars = { w = 0.0, t0 = -1.0 } }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.2), synapse = tag,
                       weight = 0.0, max_row_length = 50 }
connectivity_update { name = "rw", projection = P, every = 1,
  remove = "uniform() < 0.3",
  add = { total = "n_removed", redraw = true, init = { t0 = "t" },
          target = bias == 0 and "floor(uniform() * N_post)"
                              or "scalar u = uniform(); floor(uniform() * (0.7 + 0.3 * u) * N_post)" } }
record { SE = { "t0", every = 1 } }
