-- Per-synapse delays whose upper bound is beyond the longest supported delay (65535 steps).
-- expect: 6: error: projection 'E_to_E': delays up to 7000 ms are 70000 steps; at most 65535 are supported

local E = population { "E", lif, 20 }
projection { E, E, conn = fixed_total(10), weight = 1.0,
             delay = uniform(1.0, 7000.0) }
