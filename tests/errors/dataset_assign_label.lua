-- label is read only.
-- expect: 5: error: neuron 'out' sim code: cannot assign to built-in 'label'
network { name = "ds_assign" }
population { "A", spike_source_dataset { classes = 2 }, 3 }
local out = neuron { name = "out", vars = { V = 0.0 }, sim = "label = 1.0;" }
population { "O", out, 2 }
