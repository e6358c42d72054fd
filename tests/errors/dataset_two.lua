-- A model has at most one spike_source_dataset population (label and example are the model's).
-- expect: 5: error: population 'B': a second spike_source_dataset population; a model has at most one (its example's 'label' and 'example' are the model's)
network { name = "ds_two" }
population { "A", spike_source_dataset { classes = 2 }, 3 }
population { "B", spike_source_dataset { classes = 2 }, 3 }
