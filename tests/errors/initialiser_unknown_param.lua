-- An initialiser called with a parameter it does not have.
-- expect: 6: error: lin{...}: initialiser 'lin' has no parameter 'scal' (did you mean 'scale'?)

local lin = initialiser { name = "lin", params = { scale = 1.0 }, code = "value = scale * id;" }
local m = neuron { name = "m", vars = { V = 0.0 }, sim = "V += Isyn;" }
population { "P", m, 10, init = { V = lin { scal = 2.0 } } }
