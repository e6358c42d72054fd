-- A C syntax error in sim code (a missing operand), on the second line of the string.
-- expect: 10: error: neuron 'n' sim code: expected an expression (got '*')

local n = neuron {
  name = "n",
  params = { tau = 10.0 },
  vars = { V = 0.0 },
  sim = [[
    V += dt;
    V = V +* tau;
  ]],
}
population { "E", n, 10 }
