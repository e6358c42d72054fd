-- Vogels & Abbott (2005) network as Brette et al. (2007) benchmark 1 (COBA): 4000
-- conductance-based LIF neurons (3200 E, 800 I), exponential conductances, connection
-- probability 2%, no external input: the activity sustains itself from random initial
-- conditions.  Equations and integration as in the Brian benchmark (forward Euler):
--   dv/dt  = (ge (Ee - v) + gi (Ei - v) - (v - El)) / taum
--   dge/dt = -ge / taue,   dgi/dt = -gi / taui      (conductances in units of g_L)
-- with v clamped for 5 ms after a spike.  ../shared/reference/coba.md has the spec.
--
--   snncc models/coba.lua -o build/coba && build/coba/coba --time 10000
network { name = "coba", dt = 0.1, seed = 5489 }

local scale = param("scale", 1.0)
local NE = math.floor(3200 * scale + 0.5)
local NI = math.floor(800 * scale + 0.5)

local cell = neuron {
  name   = "coba_lif",
  params = { taum = 20.0, taue = 5.0, taui = 10.0, El = -60.0, Ee = 0.0, Ei = -80.0,
             Vt = -50.0, Vr = -60.0, t_ref = 5.0 },
  vars   = { v = -60.0, ge = 0.0, gi = 0.0, refrac = 0.0 },
  sim = [[
    if (refrac > 0.5 * dt) {
        refrac -= dt;                                  // v clamped
    } else {
        v += dt * (ge * (Ee - v) + gi * (Ei - v) - (v - El)) / taum;
    }
    ge -= dt * ge / taue;
    gi -= dt * gi / taui;
  ]],
  threshold = "v > Vt",
  reset     = "v = Vr; refrac = t_ref;",
}

local init = { v = normal(-65.0, 5.0), ge = normal(4.0, 1.5), gi = normal(20.0, 12.0) }
local E = population { "E", cell, NE, init = init }
local I = population { "I", cell, NI, init = init }

-- every E (I) neuron contacts each of the 4000 neurons with probability 2%; a spike
-- raises the target's ge by we = 0.6 (6 nS) or its gi by wi = 6.7 (67 nS)
local p = 0.02
projection { E, E, conn = fixed_probability(p), weight = 0.6, target = "ge" }
projection { E, I, conn = fixed_probability(p), weight = 0.6, target = "ge" }
projection { I, E, conn = fixed_probability(p), weight = 6.7, target = "gi" }
projection { I, I, conn = fixed_probability(p), weight = 6.7, target = "gi" }

record { E = "spikes", I = "spikes" }
