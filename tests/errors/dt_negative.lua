-- A negative time step.
-- expect: 4: error: network: dt must be > 0 ms (got -0.1)

network { dt = -0.1 }
population { "E", lif, 10 }
