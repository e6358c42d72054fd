-- A spike_source_dataset (the data set comes from the run config: tests/e2e/cuda_emulated.sh
-- writes it) into a probe that records the current example's label and index, and a
-- weight update model whose on_pre reads the label: the CUDA simulator must give the C
-- one's spikes and recordings bit for bit.
network { name = "dataset", dt = 0.5, seed = 2, precision = "double" }
local In = population { "In", spike_source_dataset { classes = 5 }, 40 }
local probe = neuron { name = "probe", vars = { L = 0.0, X = 0.0, C = 0.0 },
                       sim = "L = label; X = example; C += Isyn;" }
local P = population { "P", probe, 4 }
local labelled = synapse { name = "labelled", vars = { w = 0.0 },
                           on_pre = "w = 1.0 + label;" }
projection { In, P, conn = all_to_all(), synapse = labelled, weight = 0.0, delay = 0.5 }
record { In = "spikes", P = { "L", "X", "C" } }
