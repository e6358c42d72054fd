-- deep_r's L1 strength must be a finite number >= 0
-- expect: 8: error: deep_r 'SE_deep_r': l1 = -0.5 must be a finite number >= 0
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", eprop_lif, 20 }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = eprop_lif_syn,
             weight = 0.1, row_padding = 1.0 }
deep_r { "SE", l1 = -0.5 }
