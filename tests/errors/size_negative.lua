-- A negative population size.
-- expect: 4: error: population 'E': 'size' must not be negative (got -10)

population { "E", lif, -10 }
