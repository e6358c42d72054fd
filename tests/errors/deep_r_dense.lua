-- DEEP R on a dense projection: the connectivity update names the projection and the line
-- expect: 8: error: connectivity_update 'SE_deep_r_rw': projection 'SE' has format = "dense"; connectivity updates need format = "sparse"
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", eprop_lif, 20 }
projection { S, E, name = "SE", conn = all_to_all(), format = "dense", synapse = eprop_lif_syn,
             weight = 0.1 }
deep_r { "SE", l1 = 0.01 }
