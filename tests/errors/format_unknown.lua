-- A storage format that does not exist.
-- expect: 5: error: projection 'E_to_E': format must be "sparse", "dense" or "procedural" (got "compressed")

local E = population { "E", lif, 100 }
projection { E, E, conn = all_to_all(), weight = 0.1, format = "compressed" }
