-- a batched model on the CUDA back end: custom updates over the synapses of a projection
-- are not run over lanes yet (docs/cuda.md "Batches"; those over neurons are): refused at
-- compile time with the update's line
-- snncc: -b cuda
-- expect: 11: error: custom_update 'Decay' over the synapses of projection 'EE' in a batched model (network{ batch = 3 }): the cuda back end runs custom updates over neurons over batch lanes, not yet over synapses (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_cu", batch = 3 }
local E = population { "E", lif, 10 }
projection { E, E, name = "EE", conn = fixed_probability(0.2), synapse = stdp }
custom_update { name = "Twice", group = "G",
  var_refs = { V = ref_rw("E", "V") }, code = "V = 2.0 * V;" }
custom_update { name = "Decay", group = "G",
  var_refs = { w = ref_rw("EE", "w") }, code = "w = 0.5 * w;" }
