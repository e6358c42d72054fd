-- A misspelt code string field of synapse{} (the fields come from the code table)
-- expect: 4: error: synapse: unknown field 'dynamic' (did you mean 'dynamics'?)
network { name = "syn_unknown_code" }
local s = synapse { name = "s", vars = { w = 0.1 }, dynamic = "w *= 0.5;" }
