-- A neuron model call lif{...} with a misspelt parameter.
-- expect: 4: error: lif{...}: neuron 'lif' has no parameter 'V_thr' (did you mean 'V_th'?)

local fast = lif { tau_m = 5.0, V_thr = -50.0 }
population { "E", fast, 100 }
