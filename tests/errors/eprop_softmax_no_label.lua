-- eprop_softmax without a data set and without label = ...: the error names the model's line
-- expect: 6: error: custom update 'Out_softmax' code: unknown name 'label'
network { name = "eprop_softmax_no_label", dt = 1.0 }
local Out = population { "Out", eprop_readout, 3 }
-- no spike_source_dataset population, so no builtin label
eprop_softmax { Out }
