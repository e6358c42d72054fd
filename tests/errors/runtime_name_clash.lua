-- Two owners giving the same run-config name.
-- expect: 6: error: runtime parameter 'E.amp' is also declared at

local n = neuron { name = "m", params = { amp = 1.0 }, vars = { V = 0.0 }, sim = "V += amp;" }
local E = population { "E", n, 1, runtime = { "amp" } }
current_source { E, dc { amp = 100 }, name = "E", runtime = { "amp" } }
