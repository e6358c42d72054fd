-- Additional inputs: an NMDA conductance kept apart from Isyn so that the neuron can apply
-- the voltage-dependent magnesium block (Jahr & Stevens 1990) to it; AMPA goes into Isyn
-- through exp_cond as usual.
network { name = "nmda_example", dt = 0.1, seed = 5 }

local nmda_lif = neuron {
  name = "nmda_lif",
  params = { C = 250.0, g_L = 16.7, E_L = -70.0, V_th = -50.0, V_reset = -60.0,
             t_ref = 2.0, E_nmda = 0.0, Mg = 1.0 },
  vars = { V = -70.0, refrac = 0.0 },
  inputs = { "g_nmda" },                 -- nS, summed over this step's NMDA inputs
  sim = [[
    if (refrac > 0.5 * dt) { refrac -= dt; }
    else {
      scalar block = 1.0 / (1.0 + Mg / 3.57 * exp(-0.062 * V));
      scalar I_nmda = g_nmda * block * (E_nmda - V);
      V += dt / C * (g_L * (E_L - V) + Isyn + I_nmda);
    }
  ]],
  threshold = "V >= V_th",
  reset = "V = V_reset; refrac = t_ref;",
}

local E = population { "E", nmda_lif, 800, init = { V = uniform(-70.0, -55.0) } }
local D = population { "D", poisson { rate = 10.0 }, 400 }
-- AMPA: a conductance with reversal potential 0 mV into Isyn
projection { D, E, conn = fixed_indegree(100), weight = 3.5, delay = 1.0,
             psm = exp_cond { tau = 2.0, E = 0.0 } }
-- NMDA: a slow conductance (an exponential "current" in nS) into the input g_nmda
projection { E, E, conn = fixed_probability(0.05), weight = 0.08, delay = 1.5,
             psm = exp_curr(100.0), target = "g_nmda", name = "E_nmda" }
record { E = "spikes" }
