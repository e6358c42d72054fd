-- A projection without a weight.
-- expect: 5: error: projection 'recurrent': missing 'weight'

local E = population { "E", lif, 100 }
projection { E, E, name = "recurrent", conn = all_to_all() }
