-- Weight update models do not run distributed on the CUDA back end yet (the C back end
-- runs them with --mpi): snncc --backend cuda --mpi names the projection.
-- snncc: --mpi -b cuda
-- expect: 8: error: projection 'E_to_E' has a weight update model (synapse 'stdp'); --backend cuda --mpi supports static synapses only so far (the C back end runs it with --mpi)

network { name = "mpi_plastic" }
local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_probability(0.1), weight = 0.1, delay = 1.0, synapse = stdp }
