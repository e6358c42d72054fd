-- one_to_one between populations of different sizes.
-- expect: 6: error: projection 'E_to_I': one_to_one needs populations of the same size ('E' has 100, 'I' has 25)

local E = population { "E", lif, 100 }
local I = population { "I", lif, 25 }
projection { E, I, conn = one_to_one(), weight = 1.0 }
