-- normal_clipped with an empty interval (lo above hi) could never draw a value.
-- expect: 6: error: normal_clipped: lo (2) must be below hi (1)

local E = population { "E", lif, 20 }
projection { E, E, conn = fixed_total(10), weight = 1.0,
             delay = normal_clipped(1.5, 0.5, 2.0, 1.0) }
