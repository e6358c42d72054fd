-- Calling a rule with a parameter it does not have.
-- expect: 6: error: gauss{...}: connectivity 'gauss' has no parameter 'sigm' (did you mean 'sigma'?)

local gauss = connectivity { name = "gauss", params = { sigma = 2.0, p = 0.5 },
                             prob = "p * exp(-(i - j) * (i - j) / (2 * sigma * sigma))" }
local rule = gauss { sigm = 3.0 }
