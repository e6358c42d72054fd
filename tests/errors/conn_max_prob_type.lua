-- max_prob, the declared bound on prob, is a number in (0, 1] or a code string.
-- expect: 4: error: connectivity 'near': max_prob must be a number in (0, 1] or a code string (got boolean)

local near = connectivity { name = "near", prob = "abs(i - j) < 3 ? 0.5 : 0",
  max_prob = true }
