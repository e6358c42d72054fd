-- tests/e2e/rewire_cand.sh: connectivity_update{ candidates = ... } on a 20 x 24 plastic
-- projection, every 10 steps.  Each synapse counts its target's spikes since it was made
-- (on_post: c += 1).  mode 0: per row 0-4 candidates (a drawn count), connected ones
-- removed with a weight-dependent probability, unconnected ones formed with a probability
-- falling with the distance on a ring; mode 1: 7 candidates spread over the rows
-- (candidates.total), weak connected ones removed, unconnected ones formed with
-- probability 1/2 (rows reach max_row_length 6: all-or-nothing per row).
network { name = "cand", dt = 0.1, seed = 33, precision = "double" }
local mode = param("mode", 0)
local S = population { "S", poisson { rate = 40.0 }, 20 }
local E = population { "E", lif, 24, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 500.0, sd = 400.0 } }
local tag = synapse { name = "tag", vars = { w = 1.0, c = 0.0 }, on_post = "c += 1.0;" }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.15), synapse = tag,
  weight = uniform(0.0, 1.0), delay = 0.5, psm = exp_curr(2.0),
  max_row_length = mode == 0 and 10 or 6 }
if mode == 0 then
  connectivity_update { name = "bam", projection = P, every = 10,
    params = { theta = 0.4, sigma = 4.0, p = 0.8 },
    candidates = {
      count = "floor(uniform() * 5)",
      remove = "uniform() < (w < theta ? 0.9 : 0.1)",
      add = [[ scalar dd = abs(id_pre * N_post / N_pre - id_post);
               scalar d = min(dd, N_post - dd);
               uniform() < p * exp(-d * d / (2.0 * sigma * sigma)) ]] },
    add = { init = { w = "0.25 + 0.5 * uniform()" } } }
else
  connectivity_update { name = "bam", projection = P, every = 10,
    candidates = { total = 7, remove = "w < 0.3", add = "uniform() < 0.5" },
    add = { init = { w = 0.75 } } }
end
record { E = "spikes", SE = { "w", "c", every = 10 } }
