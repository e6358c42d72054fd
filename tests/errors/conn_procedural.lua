-- format = "procedural" regenerates rows at every spike: a pair-form rule, drawn per
-- target, is refused (row-form rules are fine).
-- expect: 8: error: projection 'E_to_E': format = "procedural" needs a row-wise rule; connectivity 'near' gives the probability of each pair and is drawn per target (write it in the row form, count and target, or use format = "sparse")

local near = connectivity { name = "near", prob = "abs(i - j) < 3 ? 0.5 : 0" }
local ring = connectivity { name = "ring", count = "1", target = "mod(i + 1, N_post)" }
local E = population { "E", lif, 10 }
projection { E, E, conn = near, weight = 1.0, format = "procedural" }
projection { E, E, name = "ok", conn = ring, weight = 1.0, format = "procedural" }
