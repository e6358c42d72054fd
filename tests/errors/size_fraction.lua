-- A population size that is not a whole number.
-- expect: 5: error: population 'E': 'size' must be a whole number (got 2.5)

local n = 5 / 2
population { "E", lif, n }
