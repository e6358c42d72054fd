-- Only user-defined rules take parameters by a call; a built-in rule is complete.
-- expect: 5: error: fixed_probability is already a connectivity rule; do not call it

local E = population { "E", lif, 10 }
local r = fixed_probability(0.1) { autapses = false }
