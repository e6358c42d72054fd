-- A code-string initial value is one expression without random draws: draws belong to an
-- initialiser (uniform(a, b)) of a variable the expression reads.
-- expect: 6: error: population 'P': init of 'V': an initial value from code is one expression of the neuron's parameters and other variables, without random draws or assignments

network { name = "init_expr_rng" }
population { "P", lif, 10, init = { V = "E_L + 5.0 * uniform()" } }
