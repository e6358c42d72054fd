-- A projection without a connectivity rule.
-- expect: 5: error: projection 'E_to_E': missing 'conn' (e.g. conn = fixed_probability(0.1))

local E = population { "E", lif, 100 }
projection { E, E, weight = 1.0, delay = 1.0 }
