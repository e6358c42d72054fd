-- V_pre in on_pre: the source may be updated by another thread meanwhile
-- expect: 9: error: synapse 's' on_pre code: 'V_pre' (variable 'V' of the presynaptic neuron) cannot be read in on_pre
network { name = "syn_pre_neuron_on_pre" }
local E = population { "E", lif, 10 }
local s = synapse {
  name = "s",
  vars = { w = 0.1 },
  on_pre = [[
    w += 1e-3 * V_pre;
  ]],
}
projection { E, E, conn = all_to_all(), synapse = s }
