-- A row rule's count must be a whole number: the simulator stops at construction.
-- run: --time 1
-- expect-any: run_conn_count_fraction: error: projection 'E_to_E': count of source 1 is 0.5; it must be a whole number from 0 to 4294967295 (round it with floor() or round())

network { name = "run_conn_count_fraction" }
local half = connectivity { name = "half", count = "i / 2", target = "0" }
local E = population { "E", lif, 10 }
projection { E, E, conn = half, weight = 1.0 }
