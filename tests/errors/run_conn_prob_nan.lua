-- A probability that is not a number (here the logarithm of a negative number) stops
-- the simulator at construction, naming the pair.
-- run: --time 1
-- expect-any: run_conn_prob_nan: error: projection 'E_to_F': the connection probability of source 0 and target 0 is not a number (NaN)

network { name = "run_conn_prob_nan" }
local bad = connectivity { name = "bad", prob = "log(i - 2) / 10" }
local E = population { "E", lif, 10 }
local F = population { "F", lif, 10 }
projection { E, F, conn = bad, weight = 1.0 }
