-- Every connectivity rule has a name (used in messages and the generated code).
-- expect: 4: error: connectivity: missing 'name'

local r = connectivity { prob = "0.1" }
