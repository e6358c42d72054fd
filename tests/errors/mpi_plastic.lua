-- Weight update models run with --backend cuda --mpi (tests/e2e/cuda_mpi_plastic.sh), but
-- their synapse variables are not recorded there yet (the device's rows of each rank
-- are not copied back for snapshots): the recording is refused at its line.
-- snncc: --mpi -b cuda
-- expect: 10: error: record: projection 'E_to_E' variable 'w': the cuda back end records synapse variables of sparse projections without --mpi only so far (--mpi; the C back end records it)

network { name = "mpi_plastic" }
local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_probability(0.1), weight = 0.1, delay = 1.0, synapse = stdp }
record { E_to_E = "w" }
