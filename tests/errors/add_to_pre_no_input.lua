-- add_to_pre needs the projection's pre_input: the presynaptic neuron's input it adds into
-- expect: 8: error: synapse 'fb' dynamics code (projection 'EE'): add_to_pre needs the input of the presynaptic neuron it adds into: projection{ ..., pre_input = "Isyn" } or one of model 'lif''s inputs
network { name = "add_to_pre_no_input" }
local E = population { "E", lif, 10 }
local fb = synapse {
  name = "fb", vars = { w = 0.1 },
  dynamics = [[
    add_to_pre(w * V_post);
  ]],
}
projection { E, E, name = "EE", conn = all_to_all(), synapse = fb }
