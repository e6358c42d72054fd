-- A code-string initial value that reads its own variable.
-- expect: 6: error: population 'P': the initial value of 'V' depends on itself (V -> V)

network { name = "init_expr_self" }
population { "P", lif, 10, init = {
  V = "V * 2.0" } }
