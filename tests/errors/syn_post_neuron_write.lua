-- A synapse reads its neurons' variables but does not write them
-- expect: 10: error: synapse 's' on_post code (projection 'EE'): cannot assign to postsynaptic neuron variable (read only in synapse code) 'V_post'
network { name = "syn_post_neuron_write" }
local E = population { "E", lif, 10 }
local s = synapse {
  name = "s",
  vars = { w = 0.1 },
  on_post = [[
    w += 0.01;
    V_post = -70.0;
  ]],
}
projection { E, E, name = "EE", conn = all_to_all(), synapse = s }
