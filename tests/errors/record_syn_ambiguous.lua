-- record{} with a key that names both a population and a projection.
-- expect: 7: error: record: 'E' is both a population and a projection; name the projection differently (projection{ name = ... })

local E = population { "E", lif, 10 }
local I = population { "I", lif, 10 }
projection { I, E, name = "E", conn = fixed_indegree(2), synapse = stdp }
record { E = "w" }
