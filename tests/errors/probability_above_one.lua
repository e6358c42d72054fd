-- fixed_probability with p > 1 (a percentage written where a probability belongs).
-- expect: 7: error: fixed_probability: p must be between 0 and 1 (got 10)

local E = population { "E", lif, 100 }
projection {
  E, E,
  conn = fixed_probability(10),
  weight = 1.0,
}
