-- One value per neuron belongs to a population, not to a neuron model.
-- expect: 5: error: neuron 'm': var 'V': one value per neuron belongs in the population's init (population { ..., init = { V = ... } }), not in the model

network { name = "from_file_in_model" }
local m = neuron { name = "m", vars = { V = { 1.0, 2.0 } } }
