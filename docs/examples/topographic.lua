-- topographic.lua: the initial network of a topographic map (two n x n layers on a
-- torus, after Bamford et al. 2010), with user-defined connectivity rules in both forms.
--
--   feed-forward S -> T and lateral T -> T: a Gaussian profile of connection probability
--     over the periodic distance between grid positions (pair form: prob per pair);
--   inhibition T -> T: each neuron reaches n_out random targets in the (2r + 1)^2 square
--     around it (row form: count and target per source, O(synapses) to build).
--
-- build/bin/snncc docs/examples/topographic.lua -D n=64 -o /tmp/topo   (4096 per layer)
network { name = "topographic", dt = 0.1, seed = 2 }
local n = param("n", 16)

-- neuron id -> (x, y) = (id mod n, id div n); distances on the torus
local gauss_torus = connectivity {
  name = "gauss_torus",
  params = { p_peak = 0.16, sigma = 2.5, n = 16 },
  prob = [[
    scalar dx = abs(mod(i, n) - mod(j, n));  dx = min(dx, n - dx);
    scalar dy = abs(div(i, n) - div(j, n));  dy = min(dy, n - dy);
    p_peak * exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma))
  ]],
}

local square = connectivity {
  name = "random_in_square",
  params = { n_out = 8, r = 3, n = 16 },
  count = "n_out",
  target = [[
    scalar dx = floor(uniform() * (2 * r + 1)) - r;
    scalar dy = floor(uniform() * (2 * r + 1)) - r;
    mod(mod(i, n) + dx, n) + n * mod(div(i, n) + dy, n)
  ]],
}

local S = population { "S", poisson { rate = 20.0 }, n * n }
local T = population { "T", lif { tau_m = 20.0, V_th = -54.0, t_ref = 5.0 }, n * n,
                       init = { V = normal(-60.0, 5.0) } }
local exc = exp_cond { tau = 5.0, E = 0.0 }
projection { S, T, name = "ff", conn = gauss_torus { n = n }, weight = 4.0, psm = exc }
projection { T, T, name = "lat", conn = gauss_torus { n = n, p_peak = 1.0, sigma = 1.0 },
             weight = 1.0, psm = exc }
projection { T, T, name = "inh", conn = square { n = n }, weight = 2.0,
             psm = exp_cond { tau = 10.0, E = -80.0 } }
record { S, T }
