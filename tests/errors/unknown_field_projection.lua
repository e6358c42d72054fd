-- projection{} with a misspelt key ('wieght').
-- expect: 6: error: projection: unknown field 'wieght' (did you mean 'weight'?)

local E = population { "E", lif, 100 }
local I = population { "I", lif, 25 }
projection { E, I, conn = fixed_probability(0.1), wieght = 0.5 }
