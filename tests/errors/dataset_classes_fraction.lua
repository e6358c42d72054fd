-- classes is a whole number.
-- expect: 4: error: spike_source_dataset: 'classes' must be a whole number from 1 to 2147483647 (got 2.5)
network { name = "ds_classes" }
population { "A", spike_source_dataset { classes = 2.5 }, 3 }
