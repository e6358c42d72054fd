-- A dc current source aimed at a state variable: current sources add to inputs.
-- expect: 6: error: current_source 'P_dc': target 'V' is a variable of neuron 'm'; a current source adds to an input

local m = neuron { name = "m", vars = { V = 0.0 }, sim = "V += Isyn;" }
local P = population { "P", m, 10 }
current_source { P, dc { amp = 1.0 }, target = "V" }
