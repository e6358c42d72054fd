-- With --mpi a synapse lives on its target's rank: its source's state is not there
-- snncc: --mpi
-- expect: 10: error: synapse 's' pre_dynamics code (projection 'EE'): 'V_pre' reads the presynaptic neuron's variable, which --mpi does not support
network { name = "syn_pre_neuron_mpi" }
local E = population { "E", lif, 10 }
local s = synapse {
  name = "s",
  vars = { w = 0.1 }, pre_vars = { v = 0.0 },
  pre_dynamics = [[
    v = V_pre;
  ]],
  dynamics = "w += 1e-3 * v;",
}
projection { E, E, name = "EE", conn = all_to_all(), synapse = s }
