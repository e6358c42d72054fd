-- Connectivity updates with --backend cuda --mpi (tests/e2e/cuda_mpi.sh): a 24 x 30 static
-- projection (--mpi takes static synapses on the CUDA back end) rewired every 10 steps,
-- compared with the C back end's MPI simulator on 1 and 2 ranks bit for bit: spikes, the
-- rows and weights of each rank and the counts (checkpoint pieces written at the end).
--   mode 0: removal by weight and draws; add.count reading row_length (the global
--           length), targets drawn (a connected pair fails on its target's rank), add.init
--           with draws
--   mode 1: add.total = n_removed + 3 spread over the rows with room (max_row_length 10:
--           full rows, failures), add.redraw (every rank's connected pairs)
--   mode 2: candidates: a count reading row_length (its own exchange before the update),
--           candidates.remove with draws, candidates.add falling with the distance
--   mode 3: candidates.total = 9 with full rows (all or none over the ranks)
--   mode 4: add.target reading row_length (the length after the removals, though the row
--           grows with each insertion; tests/e2e/cuda_rewire.sh, one process)
network { name = "rewire_mpi", dt = 0.1, seed = 29, precision = "double" }
local mode = param("mode", 0)
local hd = param("hd", 0)   -- 1: per-synapse delays (uniform 0.2-1.5 ms), moved and drawn too
local S = population { "S", poisson { rate = 60.0 }, 24 }
local E = population { "E", lif, 30, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 450.0, sd = 350.0 } }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.15),
  weight = uniform(0.0, 1.0), delay = hd == 1 and uniform(0.2, 1.5) or 0.5, psm = exp_curr(2.0),
  max_row_length = (mode == 1 or mode == 3) and 10 or 12 }
if mode == 0 then
  connectivity_update { name = "rw", projection = P, every = 10,
    params = { theta = 0.2, p = 0.05 },
    remove = "w < theta || uniform() < p",
    add = { count = "row_length < 3 ? 2 : floor(uniform() * 3)",
            target = "floor(uniform() * N_post)", init = { w = "0.5 + 0.5 * uniform()" } } }
elseif mode == 1 then
  connectivity_update { name = "rw", projection = P, every = 10,
    remove = "w < 0.4 || uniform() < 0.1",
    add = { total = "n_removed + 3", target = "floor(uniform() * N_post)", redraw = true,
            init = { w = 0.75 } } }
elseif mode == 2 then
  connectivity_update { name = "rw", projection = P, every = 10, params = { sigma = 5.0 },
    candidates = {
      count = "row_length < 4 ? 4 : floor(uniform() * 3)",
      remove = "uniform() < (w < 0.5 ? 0.6 : 0.1)",
      add = [[ scalar dd = abs(id_pre * N_post / N_pre - id_post);
               scalar d = min(dd, N_post - dd);
               uniform() < exp(-d * d / (2.0 * sigma * sigma)) ]] },
    add = { init = { w = "0.25 + 0.5 * uniform()" } } }
elseif mode == 4 then
  connectivity_update { name = "rw", projection = P, every = 10,
    remove = "w < 0.3 || uniform() < 0.05",
    add = { count = "floor(uniform() * 4)",
            target = "mod(row_length * 7.0 + floor(uniform() * 2.0), N_post)",
            init = { w = "0.5 + 0.5 * uniform()" } } }
else
  connectivity_update { name = "rw", projection = P, every = 10,
    candidates = { total = 9, remove = "w < 0.3", add = "uniform() < 0.6" },
    add = { init = { w = 0.75 } } }
end
record { E = "spikes" }
