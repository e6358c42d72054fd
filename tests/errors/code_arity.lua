-- A math function called with the wrong number of arguments.
-- expect: 8: error: neuron 'n' sim code: function 'exp' takes 1 argument (got 2)
-- expect: 8: error: neuron 'n' sim code: function 'pow' takes 2 arguments (got 1)

local n = neuron {
  name = "n",
  vars = { V = 0.0 },
  sim = "V = exp(V, 2) + pow(V);",
}
population { "E", n, 10 }
