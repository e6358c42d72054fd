-- population{} with a misspelt key ('sise').
-- expect: 4: error: population: unknown field 'sise' (did you mean 'size'?)

population { name = "E", model = lif, sise = 100 }
