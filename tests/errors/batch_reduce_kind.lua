-- reductions are sum, max (over the neurons) or batch_sum, batch_max (over the batch lanes)
-- expect: 6: error: custom_update 'R': variable 'g': reduce must be "sum", "max", "batch_sum" or "batch_max" (got "batch_mean")
network { name = "batch_reduce_kind", batch = 2 }
local n = neuron { name = "n", vars = { V = 0.0 } }
local P = population { "P", n, 4 }
custom_update { name = "R", group = "G",
  vars = { g = { reduce = "batch_mean" } }, var_refs = { V = ref("P", "V") }, code = "g = V;" }
