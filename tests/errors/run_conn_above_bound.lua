-- A prob above the declared max_prob would be cut to it (pairs are visited with
-- probability max_prob): the first candidate pair where it happens stops the simulator at
-- construction, naming the projection, the rule with its line, the pair and both values.
-- run: --time 1
-- expect-any: run_conn_above_bound: error: projection 'E_to_F': connectivity 'near' (tests/errors/run_conn_above_bound.lua:8): prob of source 0 and target 0 is 0.5, above the declared max_prob 0.25 (pairs are visited with probability max_prob, so a larger prob would be cut to it); raise max_prob to at least the largest prob

network { name = "run_conn_above_bound" }
local near = connectivity { name = "near", params = { p = 0.5 },
  prob = "abs(i - j) < 3 ? p : 0", max_prob = "0.5 * p" }
local E = population { "E", lif, 10 }
local F = population { "F", lif, 10 }
projection { E, F, conn = near, weight = 1.0 }
