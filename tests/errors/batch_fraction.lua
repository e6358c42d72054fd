-- a batch is a whole number of lanes
-- expect: 3: error: network: 'batch' must be a whole number (got 2.5)
network { name = "batch_fraction", batch = 2.5 }
local E = population { "E", lif, 10 }
