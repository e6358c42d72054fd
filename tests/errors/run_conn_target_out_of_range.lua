-- A row rule whose target runs past the last neuron (a ring without the wrap): the
-- compiler cannot know, so the simulator stops at construction, naming the projection,
-- the source, k and the value.
-- run: --time 1
-- expect-any: run_conn_target_out_of_range: error: projection 'ring': target 1 of source 9 is 10; it must be a whole number from 0 to 9 (N_post - 1)

network { name = "run_conn_target_out_of_range" }
local ring = connectivity { name = "ring", count = "2", target = "i + k" }
local E = population { "E", lif, 10 }
projection { E, E, name = "ring", conn = ring, weight = 1.0 }
