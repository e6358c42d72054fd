-- The snncc standard library of neuron models, written in the model language itself.
-- It runs before every model file; the names it defines (lif, poisson) are ordinary
-- values that models use or copy.  Units: ms, mV, pA, pF, Hz.

-- Leaky integrate-and-fire neuron with exact integration of a current that is constant
-- over a step (NEST's iaf_psc_exp / iaf_psc_delta propagator).  Pair it with the
-- exp_curr{tau = ...} postsynaptic model for exponential current synapses (weights in
-- pA), or with delta (weights in pA, one step long).  Refractory period: V is clamped
-- at V_reset for t_ref ms after a spike.
lif = neuron {
  name   = "lif",
  params = { C = 250.0, tau_m = 10.0, E_L = -70.0, V_reset = -70.0, V_th = -55.0,
             t_ref = 2.0, I_e = 0.0 },
  vars   = { V = -70.0, refrac = 0.0 },
  sim = [[
    if (refrac > 0.5 * dt) {
        refrac -= dt;
    } else {
        scalar decay = exp(-dt / tau_m);
        V = E_L + (V - E_L) * decay + (Isyn + I_e) * (tau_m / C) * (1.0 - decay);
    }
  ]],
  threshold = "V >= V_th",
  reset     = "V = V_reset; refrac = t_ref;",
}

-- Poisson spike source: each step fires with probability rate * dt (rate in Hz).
poisson = neuron {
  name      = "poisson",
  params    = { rate = 10.0 },
  threshold = "uniform() < rate * dt * 0.001",
}
