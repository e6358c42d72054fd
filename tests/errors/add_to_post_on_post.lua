-- add_to_post adds into the target's input in on_pre and dynamics only: on_post runs after
-- the target's update of the step
-- expect: 9: error: synapse 'bad' on_post code (projection 'EE'): add_to_post cannot be used in on_post (add_to_post: on_pre and dynamics; add_to_pre: dynamics)
network { name = "add_to_post_on_post" }
local E = population { "E", lif, 10 }
local bad = synapse {
  name = "bad", vars = { w = 0.1 },
  on_post = [[
    add_to_post(w);
  ]],
}
projection { E, E, name = "EE", conn = all_to_all(), synapse = bad }
