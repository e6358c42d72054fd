-- V_pre / V_post are names of updates over a projection's synapses, not over neurons.
-- expect: 10: error: custom update 'Norm' code: unknown name 'V_post'

network { name = "e", dt = 1.0 }
local n = neuron { name = "n", vars = { V = 0.0, u = 0.0 }, sim = "V = 1.0;" }
local A = population { "A", n, 3 }
custom_update { name = "Norm", group = "G",
  var_refs = { u = ref_rw("A", "u") },
  code = [[
    u = V_post; ]] }
