-- A well-formed model run with a negative simulation time.
-- run: --time -5
-- expect-any: bad_time: error: --time '-5': expected a positive number of milliseconds

network { name = "bad_time", dt = 0.1 }
population { "E", lif, 10 }
