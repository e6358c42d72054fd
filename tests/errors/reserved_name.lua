-- Parameter and variable names that the generated code reserves ('dt' is the time step,
-- 'int' is a C keyword).  Reported at the neuron{} call.
-- expect: 6: error: neuron 'n': parameter name 'dt' is reserved
-- expect: 6: error: neuron 'n': variable name 'int' is reserved

local n = neuron {
  name = "n",
  params = { dt = 0.5 },
  vars = { int = 0.0 },
}
population { "E", n, 10 }
