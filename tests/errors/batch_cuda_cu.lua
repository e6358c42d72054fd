-- a batched model on the CUDA back end: custom updates over the neurons of a population
-- and over the synapses of a projection run over lanes (docs/cuda.md "Batches"), a
-- connectivity update on the projection does not yet (rewiring reallocates the rows every
-- lane reads): refused at compile time with its line, the custom updates pass
-- snncc: -b cuda
-- expect: 13: error: connectivity_update 'rw' in a batched model (network{ batch = 3 }): the cuda back end does not run it over batch lanes yet (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda_cu", batch = 3 }
local E = population { "E", lif, 10 }
local P = projection { E, E, name = "EE", conn = fixed_probability(0.2), synapse = stdp }
custom_update { name = "Twice", group = "G",
  var_refs = { V = ref_rw("E", "V") }, code = "V = 2.0 * V;" }
custom_update { name = "Decay", group = "G", var_refs = { w = ref_rw("EE", "w") }, code = "w = 0.5 * w;" }
connectivity_update { name = "rw", projection = P, every = 10, remove = "w < 0.01" }
