-- A population size given as a string.
-- expect: 4: error: population 'E': 'size' must be a number (got string)

population { "E", lif, "100" }
