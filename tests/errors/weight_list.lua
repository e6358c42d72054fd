-- Per-synapse values come from a file with from_list: a Lua list as the weight is refused.
-- expect: 6: error: projection 'P_to_P': a weight cannot be a Lua list; per-synapse values come from a .npy file with conn = from_list{...} and weight = from_file("x.npy")

network { name = "weight_list" }
local P = population { "P", lif, 4 }
projection { P, P, conn = one_to_one(), weight = { 1.0, 2.0, 3.0, 4.0 } }
