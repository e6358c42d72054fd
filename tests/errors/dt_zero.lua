-- A time step of zero.
-- expect: 4: error: network: dt must be > 0 ms (got 0)

network { dt = 0 }
population { "E", lif, 10 }
