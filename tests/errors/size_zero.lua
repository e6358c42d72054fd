-- An empty population (size 0): caught by the checks after the model file ran.
-- expect: 5: error: population 'I': size must be at least 1 (got 0)

population { "E", lif, 100 }
population { "I", lif, 0 }
