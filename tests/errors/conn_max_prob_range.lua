-- A numeric max_prob must lie in (0, 1]: 0 would connect nothing, and above 1 is not a
-- probability.  Both are reported at the rule's line.
-- expect: 6: error: connectivity 'none': max_prob is 0; it must be a number in (0, 1] (an upper bound on prob: the builder visits pairs with this probability)

local prob = "abs(i - j) < 3 ? 0.5 : 0"
local none = connectivity { name = "none", prob = prob, max_prob = 0 }
