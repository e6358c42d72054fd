-- a batched model on the CUDA back end: synapse code that writes a synapse{ shared = ... }
-- variable is refused (the device runs the lanes at once, the C back end one after
-- another, the last lane's write staying; docs/cuda.md "Batches"), with the projection's line
-- snncc: -b cuda
-- expect: 9: error: projection 'E_to_E': synapse 's' code 'on_pre' writes the shared variable 'w' in a batched model (network{ batch = 4 }): the cuda back end's lanes run at once (the C back end's one after another; docs/cuda.md "Batches")
network { name = "batch_cuda", batch = 4 }
local E = population { "E", lif, 10 }
local stdp = synapse { name = "s", vars = { w = 0.1 }, shared = { "w" }, on_pre = "w += 0.01;" }
projection { E, E, conn = fixed_probability(0.1), synapse = stdp }
