-- condition filters the pairs that prob is evaluated for; alone it is no rule.
-- expect: 4: error: connectivity 'near': 'condition' needs 'prob' (the probability of a pair that passes it)

local near = connectivity { name = "near", condition = "abs(i - j) < 3" }
