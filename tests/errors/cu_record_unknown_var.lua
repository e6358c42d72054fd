-- Recording a custom update's variable that it does not have (a reference is recorded
-- with its population).
-- expect: 11: error: record: custom update 'Tick' has no variable 'kk' (did you mean 'k'?)

network { name = "e", dt = 1.0 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "V = 1.0;" }
local A = population { "A", n, 3 }
custom_update { name = "Tick", group = "G", every = 1, vars = { k = 0.0 },
  var_refs = { V = ref_rw("A", "V") },
  code = "k += 1.0; V = k;" }
record { Tick = "kk" }
