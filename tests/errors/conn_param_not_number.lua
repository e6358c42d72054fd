-- A rule's parameter values are numbers.
-- expect: 7: error: gauss{...}: parameter 'sigma' must be a finite number (got string)

local gauss = connectivity { name = "gauss", params = { sigma = 2.0, p = 0.5 },
                             prob = "p * exp(-(i - j) * (i - j) / (2 * sigma * sigma))" }
local E = population { "E", lif, 10 }
projection { E, E, conn = gauss { sigma = "3" }, weight = 1.0 }
