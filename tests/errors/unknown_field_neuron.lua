-- neuron{} with a misspelt key ('param' for 'params'): unknown fields are errors with a
-- hint, reported at the line of the neuron{} call.
-- expect: 5: error: neuron: unknown field 'param' (did you mean 'params'?)

local n = neuron {
  name = "n",
  param = { a = 1.0 },
  vars = { V = 0.0 },
  sim = "V += a;",
}
population { "E", n, 10 }
