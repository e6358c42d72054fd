-- batches are not generated for the CUDA back end yet: refused at compile time, naming network{}
-- snncc: -b cuda
-- expect: 4: error: network{ batch = 4 }: the cuda back end does not support batches yet: per-lane state, spike queues and recordings are not generated for it (the C back end does; docs/cuda.md "Batches")
network { name = "batch_cuda", batch = 4 }
local E = population { "E", lif, 10 }
projection { E, E, conn = fixed_probability(0.1), weight = 0.1 }
