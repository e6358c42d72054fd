-- A code string kept in a variable above the neuron{} call: the error still points at
-- the line of the string where the unknown name is.
-- expect: 8: error: neuron 'n' sim code: unknown name 'tauu' (did you mean 'tau'?)
-- expect: 9: error: neuron 'n' sim code: unknown function 'exq' (did you mean 'exp'?)

local sim = [[
  V += dt;
  V -= V * dt / tauu;
  V = exq(V);
]]
local n = neuron {
  name = "n",
  params = { tau = 10.0 },
  vars = { V = 0.0 },
  sim = sim,
}
population { "E", n, 10 }
