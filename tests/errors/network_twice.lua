-- network{} given twice.
-- expect: 6: error: network: network{} given twice (first at tests/errors/network_twice.lua:4)

network { dt = 0.1 }
population { "E", lif, 10 }
network { dt = 0.05 }
