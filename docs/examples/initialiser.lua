-- User-defined initialisers: gamma-distributed weights (shape 2: the sum of two
-- exponentials) and initial membrane potentials that rise with the neuron index.
network { name = "initialiser_example", dt = 0.1, seed = 3 }

local gamma2 = initialiser {
  name = "gamma2", params = { scale = 10.0 },
  code = [[
    double e1 = exponential();
    double e2 = exponential();
    value = scale * (e1 + e2);
  ]],
}
local ramp = initialiser {
  name = "ramp", params = { lo = -70.0, step = 0.015 },
  code = "value = fmin(lo + step * id, -55.5);",
}

local P = population { "P", lif, 1000, init = { V = ramp } }
local D = population { "D", poisson { rate = 20.0 }, 200 }
projection { D, P, conn = fixed_indegree(50), weight = gamma2 { scale = 80.0 },
             psm = exp_curr(2.0), delay = 1.0 }
projection { P, P, conn = fixed_probability(0.05), weight = gamma2, psm = exp_curr(2.0),
             delay = 1.5 }
record { P = "spikes" }
