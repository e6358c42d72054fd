-- A training loop without its data sets names them.
-- run: --set train.epochs=2
-- expect-any: --set 'train.epochs=2': 'train' needs the data sets, e.g. train: { In: train_dir } and test: { In: test_dir }
network { name = "train_nosets" }
population { "In", spike_source_dataset { classes = 2 }, 3 }
