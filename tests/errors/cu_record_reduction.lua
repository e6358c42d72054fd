-- A reduction (one value) of a custom update cannot be recorded like a per-neuron variable.
-- expect: 11: error: record: custom update 'Sum' variable 'S' has reduce = "sum": one value, not one per neuron

network { name = "e", dt = 1.0 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "V = 1.0;" }
local A = population { "A", n, 3 }
custom_update { name = "Sum", group = "G", every = 1,
  vars = { S = { reduce = "sum" }, k = 0.0 },
  var_refs = { V = ref("A", "V") },
  code = "S = V; k += 1.0;" }
record { Sum = { "k", "S" } }
