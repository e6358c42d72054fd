-- A parameter name that is not an identifier could never be used in code and would
-- break the generated C.
-- expect: 5: error: neuron 'bad': parameter name 'tau-m' must be an identifier (letters, digits, '_')
network { name = "param_name" }
local bad = neuron { name = "bad", params = { ["tau-m"] = 10.0 }, vars = { V = 0.0 },
                     sim = "V = V;" }
population { "P", bad, 10 }
