-- A code-string initial value sees the neuron's parameters and variables, id and dt; not
-- t or Isyn (nothing has run yet).
-- expect: 6: error: population 'P': init of 'V': unknown name 'Isyn'

network { name = "init_expr_unknown" }
population { "P", lif, 10, init = { V = "E_L + Isyn" } }
