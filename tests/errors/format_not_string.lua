-- format is a string.
-- expect: 5: error: projection 'E_to_E': 'format' must be a string (got number)

local E = population { "E", lif, 100 }
projection { E, E, conn = all_to_all(), weight = 0.1, format = 1 }
