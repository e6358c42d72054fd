-- A neuron model is called with a table of parameter overrides, not positional values.
-- expect: 4: error: lif{...}: call a neuron model with a table of parameters, e.g. lif{ tau_m = 10.0 } (got number)
network { name = "model_call" }
population { "P", lif(5), 10 }
