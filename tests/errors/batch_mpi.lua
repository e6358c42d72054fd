-- --mpi does not run batches yet (lanes run on one process)
-- snncc: --mpi
-- expect: 4: error: network{ batch = 2 }: --mpi does not support batches yet (lanes run on one process; docs/language.md "Batches")
network { name = "batch_mpi", batch = 2 }
local E = population { "E", lif, 10 }
projection { E, E, conn = fixed_probability(0.1), weight = 0.1 }
