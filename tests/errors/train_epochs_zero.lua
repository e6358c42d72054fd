-- A training loop of no epoch is refused with the setting that asked for it.
-- run: --set train.epochs=0
-- expect-any: --set 'train.epochs=0': 'train.epochs' must be a whole number from 1 to 1000000000 (got '0')
network { name = "train_epochs" }
population { "In", spike_source_dataset { classes = 2 }, 3 }
