-- 'label' and 'example' exist only in a model with a spike_source_dataset population.
-- expect: 4: error: neuron 'out' sim code: unknown name 'label'
network { name = "ds_nolabel" }
local out = neuron { name = "out", vars = { V = 0.0 }, sim = "V = label;" }
population { "O", out, 2 }
