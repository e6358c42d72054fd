-- The snncc standard library of neuron models, written in the model language itself.
-- It runs before every model file; the names it defines (lif, poisson) are ordinary
-- values that models use or copy.  Units: ms, mV, pA, pF, Hz.  Each model's 'valid'
-- table says which parameter values make sense (a time constant > 0, ...): a value
-- outside is an error at the model line that set it (lif { tau_m = 0 }, population
-- params).

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
  valid  = { C = "> 0", tau_m = "> 0", t_ref = ">= 0" },
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
  valid     = { rate = ">= 0" },
  threshold = "uniform() < rate * dt * 0.001",
}

-- Adaptive LIF (ALIF, as in Bellec et al. 2020): lif's membrane plus a spike-triggered
-- threshold adaptation a that decays with tau_a; the threshold is V_th + beta * a and
-- each spike adds 1 to a.
alif = neuron {
  name   = "alif",
  params = { C = 250.0, tau_m = 20.0, E_L = -70.0, V_reset = -70.0, V_th = -55.0,
             t_ref = 2.0, I_e = 0.0, tau_a = 200.0, beta = 1.0 },
  valid  = { C = "> 0", tau_m = "> 0", tau_a = "> 0", t_ref = ">= 0" },
  vars   = { V = -70.0, a = 0.0, refrac = 0.0 },
  sim = [[
    a *= exp(-dt / tau_a);
    if (refrac > 0.5 * dt) {
        refrac -= dt;
    } else {
        scalar decay = exp(-dt / tau_m);
        V = E_L + (V - E_L) * decay + (Isyn + I_e) * (tau_m / C) * (1.0 - decay);
    }
  ]],
  threshold = "V >= V_th + beta * a",
  reset     = "V = V_reset; a += 1.0; refrac = t_ref;",
}

-- Izhikevich (2003) simple model: v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u);
-- v >= 30 mV: v = c, u += d.  Units as in the paper (mV, ms; I in the model's own
-- units).  v is integrated in two half steps per dt as in the paper's code, u in one.
izhikevich = neuron {
  name   = "izhikevich",
  params = { a = 0.02, b = 0.2, c = -65.0, d = 8.0, I_e = 0.0 },
  vars   = { V = -65.0, U = -13.0 },
  sim = [[
    scalar I = Isyn + I_e;
    V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I);
    V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I);
    U += dt * a * (b * V - U);
  ]],
  threshold = "V >= 30.0",
  reset     = "V = c; U += d;",
}

-- Adaptive exponential integrate-and-fire (Brette & Gerstner 2005), forward Euler:
--   C V' = -g_L (V - E_L) + g_L Delta_T exp((V - V_T) / Delta_T) - w + I
--   tau_w w' = a (V - E_L) - w;   V > V_peak: V = V_reset, w += b
-- (pF, nS, mV, ms, pA; defaults of the paper's Fig. 2 / NEST's aeif_cond_exp).  The
-- exponential's argument is capped so that one step cannot overflow.
adex = neuron {
  name   = "adex",
  params = { C = 281.0, g_L = 30.0, E_L = -70.6, V_T = -50.4, Delta_T = 2.0, tau_w = 144.0,
             a = 4.0, b = 80.5, V_reset = -70.6, V_peak = 0.0, t_ref = 0.0, I_e = 0.0 },
  valid  = { C = "> 0", g_L = ">= 0", Delta_T = "> 0", tau_w = "> 0", t_ref = ">= 0" },
  vars   = { V = -70.6, w = 0.0, refrac = 0.0 },
  sim = [[
    scalar I = Isyn + I_e;
    if (refrac > 0.5 * dt) {
        refrac -= dt;
    } else {
        scalar ex = g_L * Delta_T * exp(fmin((V - V_T) / Delta_T, 20.0));
        V += dt * (-g_L * (V - E_L) + ex - w + I) / C;
    }
    w += dt * (a * (V - E_L) - w) / tau_w;
  ]],
  threshold = "V > V_peak",
  reset     = "V = V_reset; w += b; refrac = t_ref;",
}

-- LIF with alpha-shaped synaptic currents, integrated exactly as NEST's iaf_psc_alpha:
-- the membrane and the synaptic current (I, its derivative dI) advance together through
-- the exact propagator of the linear system over each step.  Projections deliver into
-- the variable 'in_alpha' (projection { ..., target = "in_alpha" }) with weights equal to
-- the PSC peak in pA (reached tau_syn after the spike); a spike delivered in a step
-- shapes the current from the next step on, as in NEST.
lif_alpha = neuron {
  name   = "lif_alpha",
  params = { C = 250.0, tau_m = 10.0, E_L = -70.0, V_reset = -70.0, V_th = -55.0,
             t_ref = 2.0, I_e = 0.0, tau_syn = 0.5 },
  valid  = { C = "> 0", tau_m = "> 0", tau_syn = "> 0, != tau_m", t_ref = ">= 0" },
  vars   = { V = -70.0, I = 0.0, dI = 0.0, in_alpha = 0.0, refrac = 0.0 },
  sim = [[
    scalar em = exp(-dt / tau_m);
    scalar es = exp(-dt / tau_syn);
    scalar a = 1.0 / tau_m - 1.0 / tau_syn;
    scalar P30 = tau_m / C * (1.0 - em);
    scalar P31 = em / C * (exp(a * dt) * (a * dt - 1.0) + 1.0) / (a * a);
    scalar P32 = tau_m * tau_syn / (C * (tau_syn - tau_m)) * (es - em);
    if (refrac > 0.5 * dt) {
        refrac -= dt;
    } else {
        V = E_L + em * (V - E_L) + P30 * (I_e + Isyn) + P31 * dI + P32 * I;
    }
    I = dt * es * dI + es * I;
    dI = es * dI + in_alpha * 2.718281828459045 / tau_syn;
    in_alpha = 0.0;
  ]],
  threshold = "V >= V_th",
  reset     = "V = V_reset; refrac = t_ref;",
}

-- Additive STDP with all-to-all exponential traces (Song et al. 2000): a pre trace x and
-- a post trace y jump by 1 at each spike and decay with tau_plus / tau_minus.  When a
-- presynaptic spike arrives (after the delay), w loses A_minus * y; when the target
-- spikes, w gains A_plus * x; w stays within [w_min, w_max].
stdp = synapse {
  name      = "stdp",
  params    = { tau_plus = 20.0, tau_minus = 20.0, A_plus = 0.01, A_minus = 0.0105,
                w_min = 0.0, w_max = 1.0 },
  valid     = { tau_plus = "> 0", tau_minus = "> 0", w_max = ">= w_min" },
  vars      = { w = 0.5 },
  pre_vars  = { x = 0.0 },
  post_vars = { y = 0.0 },
  on_pre        = "w = fmax(w_min, w - A_minus * y);",
  on_post       = "w = fmin(w_max, w + A_plus * x);",
  pre_spike     = "x += 1.0;",
  post_spike    = "y += 1.0;",
  pre_dynamics  = "x *= exp(-dt / tau_plus);",
  post_dynamics = "y *= exp(-dt / tau_minus);",
}

-- NEST's stdp_pl_synapse_hom (Morrison et al. 2007), as in the hpc_benchmark:
-- potentiation w += lambda w^mu x, multiplicative depression w -= lambda alpha w y
-- (never below 0); x and y are the same traces as above.
stdp_pl = synapse {
  name      = "stdp_pl",
  params    = { tau_plus = 15.0, tau_minus = 30.0, lambda = 0.1, alpha = 0.0513, mu = 0.4 },
  valid     = { tau_plus = "> 0", tau_minus = "> 0" },
  vars      = { w = 45.61 },
  pre_vars  = { x = 0.0 },
  post_vars = { y = 0.0 },
  on_pre        = "w = fmax(0.0, w - lambda * alpha * w * y);",
  on_post       = "w = w + lambda * pow(w, mu) * x;",
  pre_spike     = "x += 1.0;",
  post_spike    = "y += 1.0;",
  pre_dynamics  = "x *= exp(-dt / tau_plus);",
  post_dynamics = "y *= exp(-dt / tau_minus);",
}
