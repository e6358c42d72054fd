-- 64 characters is allowed: the error here is the unknown population, whose echoed
-- (unlimited) name is shortened to 60 characters and "...".
-- expect: 9: error: projection: unknown population 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'

network { name = string.rep("a", 64), dt = 0.1 }
local m = neuron { name = string.rep("m", 64), params = { [string.rep("p", 64)] = 1.0 },
                   vars = { [string.rep("v", 64)] = 0.0 }, threshold = "t > 1.0" }
local E = population { string.rep("E", 64), m, 10 }
projection { E, string.rep("x", 100000), conn = all_to_all(), weight = 1.0, delay = 1.0 }
