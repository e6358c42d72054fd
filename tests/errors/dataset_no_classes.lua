-- spike_source_dataset declares the number of classes: the labels are checked against it.
-- expect: 4: error: spike_source_dataset: give the number of classes, e.g. classes = 20 (the labels must be 0 .. classes - 1)
network { name = "ds_noclasses" }
population { "A", spike_source_dataset { }, 3 }
