-- Sim code assigns to a parameter (parameters are read-only; make it a variable).
-- expect: 9: error: neuron 'n' sim code: cannot assign to parameter 'tau'

local n = neuron {
  name = "n",
  params = { tau = 10.0 },
  vars = { V = 0.0 },
  sim = [[
    tau = 2 * tau;
    V -= V * dt / tau;
  ]],
}
population { "E", n, 10 }
