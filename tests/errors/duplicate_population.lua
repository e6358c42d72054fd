-- Two populations with the same name; the message points at the second and names the
-- first.
-- expect: 7: error: population 'E': name already used at tests/errors/duplicate_population.lua:5

population { "E", lif, 100 }
population { "I", lif, 25 }
population { "E", lif, 50 }
