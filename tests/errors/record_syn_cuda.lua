-- Recording synapse variables is not supported by the CUDA back end yet.
-- snncc: -b cuda
-- expect: 7: error: record: projection 'EE' variable 'w': the cuda back end cannot record synapse variables yet (the C back end can)

local E = population { "E", lif, 10 }
projection { E, E, name = "EE", conn = fixed_indegree(2), synapse = stdp }
record { EE = "w" }
