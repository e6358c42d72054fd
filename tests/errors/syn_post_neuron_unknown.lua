-- Neuron variables in synapse code are resolved per projection: the target of 'EI' has
-- 'v', not 'V' (the same model on E -> E is fine)
-- expect: 14: error: synapse 's' dynamics code (projection 'EI'): unknown name 'V_post' (did you mean 'v_post'?)
network { name = "syn_post_neuron_unknown" }
local izh = neuron { name = "izh", vars = { v = -65.0 }, sim = "v += 0.1;",
                     threshold = "v > 30.0", reset = "v = -65.0;" }
local E = population { "E", lif, 10 }
local I = population { "I", izh, 10 }
local s = synapse {
  name = "s",
  params = { eta = 0.01 },
  vars = { w = 0.1 },
  dynamics = [[
    w += eta * V_post * dt;
  ]],
}
projection { E, E, name = "EE", conn = all_to_all(), synapse = s }
projection { E, I, name = "EI", conn = all_to_all(), synapse = s }
