-- a batch is at least one lane
-- expect: 3: error: network: 'batch' must be in [1, 65536] (got 0)
network { name = "batch_zero", batch = 0 }
local E = population { "E", lif, 10 }
