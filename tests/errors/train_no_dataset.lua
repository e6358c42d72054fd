-- The training loop feeds a spike_source_dataset population: a model without one is refused.
-- run: --set train.epochs=2
-- expect-any: --set 'train.epochs=2': the training loop needs a spike_source_dataset population in the model
network { name = "train_nods" }
population { "P", neuron { name = "n", vars = { V = 0.0 }, sim = "V += 1.0;" }, 3 }
