-- A runtime name that the current source does not have.
-- expect: 5: error: current_source 'drive': runtime: dc has no parameter 'amps' (did you mean 'amp'?) (it has: amp)

local E = population { "E", lif, 1 }
current_source { E, dc { amp = 100 }, name = "drive", runtime = { "amps" } }
