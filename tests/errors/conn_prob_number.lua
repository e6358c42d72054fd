-- prob is code, written as a string, even when it is a constant.
-- expect: 4: error: connectivity 'flat': 'prob' must be a code string (got number; write it in quotes, e.g. prob = "0.1")

local flat = connectivity { name = "flat", prob = 0.1 }
