-- A well-formed model run with a misspelt --set key.
-- run: --set durration=5
-- expect-any: bad_set: error: --set 'durration=5': unknown key 'durration' (did you mean 'duration'?)

network { name = "bad_set", dt = 0.1 }
population { "E", lif, 10 }
