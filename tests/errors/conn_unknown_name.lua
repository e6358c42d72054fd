-- A typo in a multi-line prob code: the error is on the model-file line of the typo, with
-- a hint among the rule's parameters and indices.
-- expect: 13: error: connectivity 'gauss_torus' prob code: unknown name 'sigmaa' (did you mean 'sigma'?)

network { name = "conn_unknown_name" }
local gauss = connectivity {
  name = "gauss_torus",
  params = { p_peak = 0.16, sigma = 2.5, n = 16 },
  prob = [[
    scalar dx = abs(mod(i, n) - mod(j, n));  dx = min(dx, n - dx);
    scalar dy = abs(div(i, n) - div(j, n));  dy = min(dy, n - dy);
    scalar d2 = dx * dx + dy * dy;
    p_peak * exp(-d2 / (2.0 * sigmaa * sigma))
  ]],
}
local S = population { "S", lif, 256 }
projection { S, S, conn = gauss, weight = 1.0 }
