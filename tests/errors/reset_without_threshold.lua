-- Reset code in a neuron that has no threshold: it could never run.
-- expect: 8: error: neuron 'n': reset code without threshold code (when would it run?)

local n = neuron {
  name = "n",
  vars = { V = 0.0 },
  sim = "V += dt;",
  reset = "V = 0.0;",
}
population { "E", n, 10 }
