-- Izhikevich (2003) network of 800 excitatory and 200 inhibitory neurons with random
-- thalamic input (IEEE Trans Neural Netw 14:1569, the MATLAB program of Fig. 3), written
-- as a user-defined neuron model.  In this model v is in mV, t in ms, and u and the input
-- I are in the model's own units (I adds to dv/dt in mV/ms).
--
--   snncc docs/examples/izhikevich.lua -o /tmp/izh && /tmp/izh/izhikevich --time 1000
--
-- Per-neuron heterogeneity: the paper draws one r ~ U(0, 1) per neuron and derives a, b,
-- c, d from it.  Parameters are per population, so r is a state variable with a random
-- initial value that the code never changes; a, b, c, d are computed from it, and u
-- starts at b v as in the paper (an initial value from code, evaluated per neuron after r
-- is drawn).
network { name = "izhikevich", dt = 1.0, seed = 1 }

local izh = neuron {
  name   = "izhikevich",
  -- a = a0 + a1 r,  b = b0 + b1 r,  c = c0 + c1 r^2,  d = d0 + d1 r^2
  params = { a0 = 0.02, a1 = 0.0, b0 = 0.2, b1 = 0.0,
             c0 = -65.0, c1 = 15.0, d0 = 8.0, d1 = -6.0,
             I_sd = 5.0 },                 -- sd of the thalamic input, per step
  vars   = { v = -65.0, u = "(b0 + b1 * r) * v", r = uniform(0.0, 1.0) },
  sim = [[
    scalar a = a0 + a1 * r;
    scalar b = b0 + b1 * r;
    scalar I = Isyn + I_sd * normal();      // synaptic + thalamic input
    // two half steps for v (numerical stability), as in the paper
    v += 0.5 * dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I);
    v += 0.5 * dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I);
    u += dt * a * (b * v - u);
  ]],
  threshold = "v >= 30.0",
  reset     = "v = c0 + c1 * r * r; u += d0 + d1 * r * r;",
}

-- Excitatory: regular spiking to chattering.  Inhibitory: fast spiking to low threshold.
local E = population { "E", izh, 800 }
local I = population { "I", izh, 200,
  params = { a1 = 0.08, b0 = 0.25, b1 = -0.05, c1 = 0.0, d0 = 2.0, d1 = 0.0, I_sd = 2.0 } }

-- All-to-all with random weights (0.5 rand for excitatory, -rand for inhibitory sources);
-- delta synapses: a spike adds its weight to I for one step, one step after it is emitted.
projection { E, E, conn = all_to_all(), weight = uniform(0.0, 0.5) }
projection { E, I, conn = all_to_all(), weight = uniform(0.0, 0.5) }
projection { I, E, conn = all_to_all(), weight = uniform(-1.0, 0.0) }
projection { I, I, conn = all_to_all(), weight = uniform(-1.0, 0.0) }

record { E, I }
