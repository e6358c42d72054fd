-- format = "procedural" regenerates built-in rules only, so far.
-- expect: 6: error: projection 'E_to_E': format = "procedural" does not support user-defined connectivity ('ring') yet; use format = "sparse" or "dense"

local ring = connectivity { name = "ring", count = "1", target = "mod(i + 1, N_post)" }
local E = population { "E", lif, 10 }
projection { E, E, conn = ring, weight = 1.0,
             format = "procedural" }
