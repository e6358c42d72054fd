-- A rule takes its parameters as a table (like lif{ ... }).
-- expect: 6: error: gauss{...}: call a connectivity rule with a table of parameters, e.g. gauss{ sigma = ... } (got number)

local gauss = connectivity { name = "gauss", params = { sigma = 2.0 },
                             prob = "exp(-(i - j) * (i - j) / sigma)" }
local rule = gauss(3.0)
