-- eprop_adam on a misspelt projection: the error names the model's line, not the library's
-- expect: 7: error: custom_update 'HOO_adam': var_refs 'w': unknown population, projection or custom update 'HOO' (did you mean 'HO'?)
network { name = "eprop_adam_unknown", dt = 1.0 }
local H = population { "H", eprop_lif, 4 }
local Out = population { "Out", eprop_readout, 3 }
projection { H, Out, name = "HO", conn = all_to_all(), synapse = eprop_out_syn, pre_input = "feedback" }
eprop_adam { "HOO" }
