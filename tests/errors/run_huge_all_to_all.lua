-- all_to_all between two populations of 1,000,000 neurons: 1e12 synapses (4 TB of target
-- indices).  The compiler accepts it (it is within the per-projection limit), and the
-- simulator must refuse it at construction, before allocating the synapses, naming the
-- projection and the memory it needs.
-- run: --time 10
-- expect-any: big_a2a: error: cannot build projection 'A_to_B': 1000000000000 synapses need 4.0 TB but this machine has

network { name = "big_a2a", dt = 0.1 }
local A = population { "A", lif, 1000000 }
local B = population { "B", lif, 1000000 }
projection { A, B, conn = all_to_all(), weight = 1.0 }
