-- Spike times are times in ms from the start of the run.
-- expect: 4: error: spike_source_array: times[1][2] must be a time >= 0 in ms
network { name = "ssa_neg" }
population { "S", spike_source_array { times = { {1.0, -2.0} } }, 1 }
