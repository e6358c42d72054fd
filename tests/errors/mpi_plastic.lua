-- Weight update models do not run distributed yet: snncc --mpi names the projection.
-- snncc: --mpi
-- expect: 7: error: projection 'E_to_E' has a weight update model (synapse 'stdp'); --mpi supports static synapses only so far

network { name = "mpi_plastic" }
local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_probability(0.1), weight = 0.1, delay = 1.0, synapse = stdp }
