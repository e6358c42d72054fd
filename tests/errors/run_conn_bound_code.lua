-- A max_prob in code is checked per target at construction: here it is 0 from target 3
-- on, which is not in (0, 1].
-- run: --time 1
-- expect-any: run_conn_bound_code: error: projection 'E_to_F': connectivity 'near' (tests/errors/run_conn_bound_code.lua:7): max_prob of target 3 is 0; it must be a number in (0, 1]

network { name = "run_conn_bound_code" }
local near = connectivity { name = "near", params = { p = 0.5 },
  prob = "abs(i - j) < 3 ? p : 0", max_prob = "j < 3 ? p : 0" }
local E = population { "E", lif, 10 }
local F = population { "F", lif, 10 }
projection { E, F, conn = near, weight = 1.0 }
