-- An initialiser whose code does not assign 'value' on every path.
-- expect: 5: error: initialiser 'half': the code does not always assign 'value' (write e.g. value = mean + sd * normal();)

local half = initialiser { name = "half", params = { p = 0.5 },
                           code = "if (uniform() < p) { value = 1.0; }" }
local m = neuron { name = "m", vars = { V = 0.0 }, sim = "V += Isyn;" }
population { "P", m, 10, init = { V = half } }
