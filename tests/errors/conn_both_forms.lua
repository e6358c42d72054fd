-- A rule is either per pair (prob) or per row (count and target), not both.
-- expect: 4: error: connectivity 'mixed': give either prob (and condition) or count and target, not both

local mixed = connectivity { name = "mixed", prob = "0.1", count = "3", target = "k" }
