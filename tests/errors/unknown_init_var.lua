-- An initialiser for a variable the neuron model does not have ('v' for 'V'); reported
-- at the population{} call.
-- expect: 5: error: population 'E': init: neuron 'lif' has no variable 'v' (did you mean 'V'?)

population {
  "E", lif, 100,
  init = { v = uniform(-70.0, -55.0) },
}
