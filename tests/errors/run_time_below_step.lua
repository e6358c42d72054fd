-- A duration that rounds to no time step at all (0.3 ms with dt = 1 ms) is refused, with
-- the duration and the time step, instead of a "complete" run of 0 steps.
-- run: --time 0.3
-- expect-any: tiny_dt1: error: duration 0.3 ms is shorter than half a time step (dt = 1 ms): it would simulate no step

network { name = "tiny_dt1", dt = 1.0 }
population { "A", lif, 2 }
