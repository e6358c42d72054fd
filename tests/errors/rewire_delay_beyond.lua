-- a new synapse's delay (add.init.delay, ms) longer than the projection's longest delay
-- (its initialiser's upper bound, 4 ms: the dendritic ring's depth) stops the run with the
-- update, the synapse and the value
-- run: --time 5
-- expect-any: connectivity update 'rw': the delay of new synapse 0 -> 1 is 6 ms, 6 steps of 1 ms, more than the 4 steps of projection 'SE''s longest delay
network { name = "x", dt = 1.0 }
local S = population { "S", poisson { rate = 10.0 }, 4 }
local P = projection { S, population { "E", lif, 4 }, name = "SE", conn = one_to_one(),
                       weight = 1.0, delay = uniform(1.0, 4.0), max_row_length = 2 }
connectivity_update { name = "rw", projection = P, every = 1,
  add = { count = "1", target = "fmod(i + 1, N_post)", init = { delay = "2.0 + 4.0 * (t > 0)" } } }
