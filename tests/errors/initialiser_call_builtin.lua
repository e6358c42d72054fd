-- A built-in initialiser called with a table as if it were initialiser{}.
-- expect: 5: error: uniform(...) is already an initialiser; it cannot be called

local m = neuron { name = "m", vars = { V = 0.0 }, sim = "V += Isyn;" }
population { "P", m, 10, init = { V = uniform(0.0, 1.0) { low = 2.0 } } }
