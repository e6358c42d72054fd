-- count and target belong to a source row i (target also sees k); j exists in the pair
-- form only, and k in target code only.  Both misuses are reported, at their lines.
-- expect: 7: error: connectivity 'ring' count code: 'j' is not defined here: count and target work per source i (j, the target, belongs to the pair form's prob and condition)
-- expect: 9: error: connectivity 'pairs' prob code: 'k' is not defined here: k numbers the synapses of a row, in target code

local ring = connectivity { name = "ring", params = { w = 2 },
  count = "j + w", target = "mod(i + k, N_post)" }
local pairs = connectivity { name = "pairs",
  prob = "k * 0.1" }
population { "E", lif, 10 }
