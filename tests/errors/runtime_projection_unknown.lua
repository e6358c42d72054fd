-- A runtime name that the synapse model does not have.
-- expect: 5: error: projection 'E_to_E': runtime: synapse 'stdp' has no parameter 'Aplus' (did you mean 'A_plus'?)

local E = population { "E", lif, 10 }
projection { E, E, conn = all_to_all(), synapse = stdp, runtime = { "Aplus" } }
