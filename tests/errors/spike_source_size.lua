-- A spike_source_array given as a table has one list per neuron; the sizes must agree.
-- expect: 4: error: population 'S': spike_source_array has 2 lists of times but the population has 3 neurons
network { name = "ssa_size" }
population { "S", spike_source_array { times = { {1.0}, {2.0} } }, 3 }
