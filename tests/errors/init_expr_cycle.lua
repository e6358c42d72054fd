-- Initial values from code strings that read each other in a circle: refused, at the
-- line of the string where the circle closes, with the chain.
-- expect: 9: error: population 'P': the initial value of 'u' depends on itself (u -> v -> u); give one of these variables a number or an initialiser

network { name = "init_expr_cycle" }
local m = neuron { name = "m", params = { b = 0.2 }, vars = { u = 0.0, v = 0.0 },
                   sim = "v += u;" }
population { "P", m, 10, init = {
  u = "b * v",
  v = "u + 1.0" } }
