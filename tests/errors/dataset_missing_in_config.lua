-- A spike_source_dataset population needs its data set from the run config.
-- run: --time 10
-- expect-any: population 'In' is a spike_source_dataset: the run config needs its data set, e.g. datasets: { In: { file: train } } or --set datasets.In.file=train
network { name = "ds_missing" }
population { "In", spike_source_dataset { classes = 2 }, 3 }
