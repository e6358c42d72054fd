-- A Poisson current source whose rate gives an absurd number of spikes per step.
-- expect: 5: error: current_source 'E_poisson_input': rate 1e+13 Hz gives 1e+09 spikes per step

local E = population { "E", lif, 1 }
current_source { E, poisson_input { rate = 1e13, weight = 1.0 } }
