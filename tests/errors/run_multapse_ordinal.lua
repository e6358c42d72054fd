-- Synapse-keyed random numbers name a synapse by (source, target, ordinal among the pair's
-- multapses) with a 16-bit ordinal: a pair with more than 65536 synapses in a projection
-- whose synapse code draws stops the simulator at start, naming the pair.
-- run: --time 1
-- expect-any: run_multapse_ordinal: error: projection 'P': more than 65536 synapses from neuron 0 to neuron 0; their random numbers are keyed by (source, target, ordinal) with a 16-bit ordinal

network { name = "run_multapse_ordinal" }
local clock = neuron { name = "clock", vars = { acc = 0.0 }, threshold = "true" }
local drawn = synapse { name = "drawn", vars = { w = 0.0 }, on_pre = "w = uniform();" }
local A = population { "A", clock, 1 }
local B = population { "B", clock, 1 }
projection { A, B, name = "P", conn = fixed_indegree(70000), synapse = drawn, target = "acc" }
