-- '=' for '==' in threshold code: a threshold is an expression, not a statement.
-- expect: 9: error: neuron 'n' threshold code: assignment '=' is not allowed inside an expression (did you mean '=='?)

local n = neuron {
  name = "n",
  params = { theta = 1.0 },
  vars = { V = 0.0 },
  sim = "V += dt;",
  threshold = "V = theta",
  reset = "V = 0.0;",
}
population { "E", n, 10 }
