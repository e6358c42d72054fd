-- record{} asks for a state variable that the population's neuron model does not have.
-- expect: 6: error: record: population 'E': neuron 'lif' has no variable 'Vm' (did you mean 'V'?) (record "spikes" or a variable)

local E = population { "E", lif, 10 }
record { E = "spikes" }
record { E = { "spikes", "V", "Vm", every = 10 } }
