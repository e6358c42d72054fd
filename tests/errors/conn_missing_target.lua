-- The row form needs both count and target.
-- expect: 4: error: connectivity 'ring': 'count' needs 'target' (the target of the k-th synapse of row i)

local ring = connectivity { name = "ring", count = "2" }
