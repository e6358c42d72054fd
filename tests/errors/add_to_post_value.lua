-- add_to_post is a statement, not a value
-- expect: 6: error: synapse 'bad' dynamics code (projection 'EE'): 'add_to_post(...)' is a statement of its own, not a value (write add_to_post(x);)
network { name = "add_to_post_value" }
local E = population { "E", lif, 10 }
local bad = synapse { name = "bad", vars = { w = 0.1, q = 0.0 },
                      dynamics = "q = 1.0 + add_to_post(w);" }
projection { E, E, name = "EE", conn = all_to_all(), synapse = bad }
