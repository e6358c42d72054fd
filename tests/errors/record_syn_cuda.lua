-- The CUDA back end records synapse variables of sparse projections only (their rows are
-- copied back for each snapshot), not of dense ones.
-- snncc: -b cuda
-- expect: 8: error: record: projection 'EE' variable 'w': the cuda back end records synapse variables of sparse projections without --mpi only so far (projection 'EE' has format = "dense"; the C back end records it)

local E = population { "E", lif, 10 }
projection { E, E, name = "EE", conn = all_to_all(), synapse = stdp, format = "dense" }
record { EE = "w" }
