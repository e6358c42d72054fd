-- initialiser{} without its code.
-- expect: 4: error: initialiser 'flat': missing 'code' (statements that assign 'value', e.g. code = "value = mean + sd * normal();")

local flat = initialiser { name = "flat", params = { v = 1.0 } }
