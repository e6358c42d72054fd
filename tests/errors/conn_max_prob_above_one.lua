-- A numeric max_prob above 1 is not a probability.
-- expect: 4: error: connectivity 'over': max_prob is 1.5; it must be a number in (0, 1] (an upper bound on prob: the builder visits pairs with this probability)

local over = connectivity { name = "over", prob = "abs(i - j) < 3 ? 0.5 : 0", max_prob = 1.5 }
