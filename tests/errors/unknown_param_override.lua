-- A population overrides a parameter its neuron model does not have.
-- expect: 4: error: population 'E': neuron 'lif' has no parameter 'taum' (did you mean 'tau_m'?)

population { "E", lif, 100, params = { taum = 20.0 } }
