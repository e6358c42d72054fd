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

-- ---- e-prop (Bellec et al. 2020, as mlGeNN implements it; docs/language.md "e-prop") ----
-- Units of e-prop models are dimensionless (dt = 1 ms, thresholds ~0.6).  The hidden
-- neurons integrate without (1 - alpha) input scaling, keep integrating while refractory
-- and reset relatively (V -= v_th).  Each keeps its learning signal L (the per-step input
-- 'feedback', which the output synapses fill with add_to_pre) and a firing-rate estimate f
-- for the regulariser.  The synapse models below must be given the same tau_m, v_th (and
-- beta, tau_a) as their target neurons: synapse code reads neuron variables, not parameters.

eprop_lif = neuron {
  name   = "eprop_lif",
  params = { tau_m = 20.0, v_th = 0.61, tau_ref = 5.0, tau_reg = 500.0 },
  valid  = { tau_m = "> 0", v_th = "> 0", tau_ref = ">= 0", tau_reg = "> 0" },
  vars   = { V = 0.0, refrac = 0.0, L = 0.0, f = 0.0 },
  inputs = { "feedback" },
  sim = [[
    V = exp(-dt / tau_m) * V + Isyn;
    if (refrac > 0.5 * dt) {
        refrac -= dt;
    }
    L = feedback;
    f *= exp(-dt / tau_reg);
  ]],
  threshold = "V >= v_th && refrac <= 0.5 * dt",
  reset     = "V -= v_th; refrac = tau_ref; f += 1.0 - exp(-dt / tau_reg);",
}

eprop_alif = neuron {
  name   = "eprop_alif",
  params = { tau_m = 20.0, v_th = 0.6, tau_ref = 5.0, tau_reg = 500.0, tau_a = 2000.0,
             beta = 0.0174 },
  valid  = { tau_m = "> 0", v_th = "> 0", tau_ref = ">= 0", tau_reg = "> 0", tau_a = "> 0" },
  vars   = { V = 0.0, A = 0.0, refrac = 0.0, L = 0.0, f = 0.0 },
  inputs = { "feedback" },
  sim = [[
    V = exp(-dt / tau_m) * V + Isyn;
    A *= exp(-dt / tau_a);
    if (refrac > 0.5 * dt) {
        refrac -= dt;
    }
    L = feedback;
    f *= exp(-dt / tau_reg);
  ]],
  threshold = "V >= v_th + beta * A && refrac <= 0.5 * dt",
  reset     = "V -= v_th; A += 1.0; refrac = tau_ref; f += 1.0 - exp(-dt / tau_reg);",
}

-- The leaky-integrator readout with a trainable bias b.  pi and E (= pi - one-hot label)
-- are written by eprop_softmax's custom updates, gb (the bias gradient), pi_sum and ce (the
-- summed cross-entropy, held by the label's neuron) too; V_sum sums V for inference.
eprop_readout = neuron {
  name   = "eprop_readout",
  params = { tau_out = 20.0 },
  valid  = { tau_out = "> 0" },
  vars   = { V = 0.0, b = 0.0, pi = 0.0, E = 0.0, gb = 0.0, pi_sum = 0.0, V_sum = 0.0,
             ce = 0.0 },
  sim    = "V = exp(-dt / tau_out) * V + Isyn + b; V_sum += V;",
}

-- Eligibility-trace synapses for hidden targets (input -> hidden and hidden -> hidden).
-- Per source: zbar = alpha zbar + z (z: the source spiked this step); per target: the
-- pseudo-derivative psi; per synapse: e, ebar = alpha ebar + e and the gradient
-- g += ebar L_post + c_reg (f_post - f_target) e (the firing-rate regulariser).
eprop_lif_syn = synapse {
  name      = "eprop_lif_syn",
  params    = { tau_m = 20.0, v_th = 0.61, gamma = 0.3, c_reg = 0.001, f_target = 0.01 },
  valid     = { tau_m = "> 0", v_th = "> 0" },
  vars      = { w = 0.0, g = 0.0, ebar = 0.0 },
  pre_vars  = { zbar = 0.0, z = 0.0 },
  post_vars = { psi = 0.0 },
  pre_spike     = "z = 1.0;",
  pre_dynamics  = "zbar = exp(-dt / tau_m) * zbar + z; z = 0.0;",
  post_dynamics = [[
    psi = refrac_post > 0.5 * dt ? 0.0
        : gamma / v_th * fmax(0.0, 1.0 - fabs(V_post - v_th) / v_th);
  ]],
  dynamics = [[
    scalar e = psi * zbar;
    ebar = exp(-dt / tau_m) * ebar + e;
    g += ebar * L_post + c_reg * (f_post - f_target) * e;
  ]],
}

eprop_alif_syn = synapse {
  name      = "eprop_alif_syn",
  params    = { tau_m = 20.0, v_th = 0.6, gamma = 0.3, c_reg = 0.001, f_target = 0.01,
                tau_a = 2000.0, beta = 0.0174 },
  valid     = { tau_m = "> 0", v_th = "> 0", tau_a = "> 0" },
  vars      = { w = 0.0, g = 0.0, ebar = 0.0, ea = 0.0 },
  pre_vars  = { zbar = 0.0, z = 0.0 },
  post_vars = { psi = 0.0 },
  pre_spike     = "z = 1.0;",
  pre_dynamics  = "zbar = exp(-dt / tau_m) * zbar + z; z = 0.0;",
  post_dynamics = [[
    psi = refrac_post > 0.5 * dt ? 0.0
        : gamma / v_th * fmax(0.0, 1.0 - fabs(V_post - (v_th + beta * A_post)) / v_th);
  ]],
  dynamics = [[
    scalar e = psi * (zbar - beta * ea);
    ea = psi * zbar + (exp(-dt / tau_a) - psi * beta) * ea;
    ebar = exp(-dt / tau_m) * ebar + e;
    g += ebar * L_post + c_reg * (f_post - f_target) * e;
  ]],
}

-- Hidden -> readout synapses: symmetric feedback (every synapse sends w E_post back into
-- the source's 'feedback' input: projection{ ..., pre_input = "feedback" }) and the
-- gradient g += zbar2 E_post, where zbar2 is the source's trace two steps back: E_post
-- is the error of step s - 1, whose V saw the spikes up to step s - 2 (one-step delay),
-- so g is the exact gradient of the summed cross-entropy with respect to w.
-- (eprop_out_syn and eprop_out_grad_syn below differ only in their dynamics)
local function eprop_out_synapse(name, dynamics)
  return synapse {
    name      = name,
    params    = { tau_m = 20.0 },
    valid     = { tau_m = "> 0" },
    vars      = { w = 0.0, g = 0.0 },
    pre_vars  = { zbar = 0.0, z = 0.0, zbar1 = 0.0, zbar2 = 0.0 },
    pre_spike    = "z = 1.0;",
    pre_dynamics = "zbar2 = zbar1; zbar1 = zbar; zbar = exp(-dt / tau_m) * zbar + z; z = 0.0;",
    dynamics     = dynamics,
  }
end
eprop_out_syn = eprop_out_synapse("eprop_out_syn", "add_to_pre(w * E_post); g += zbar2 * E_post;")

-- Random-feedback e-prop ([B20]'s variant, eprop.md section 1.7): the learning signal goes
-- back through a fixed random matrix B instead of the current output weights.  The trained
-- hidden -> readout projection then uses eprop_out_grad_syn (the gradient only, no
-- add_to_pre), and a second, untrained projection of the same pair uses eprop_feedback_syn
-- with pre_input = "feedback" and init = { fb = B } (e.g. normal(0, 1/sqrt(N_hidden))): it
-- sends fb E_post back.  Its weight w (what a spike delivers into the readout) stays 0;
-- fb is drawn per synapse from its own stream keyed by the synapse, so the reset between
-- examples, which re-runs the initialisers, gives the same B again.
eprop_out_grad_syn = eprop_out_synapse("eprop_out_grad_syn", "g += zbar2 * E_post;")

eprop_feedback_syn = synapse {
  name     = "eprop_feedback_syn",
  vars     = { w = 0.0, fb = 0.0 },
  dynamics = "add_to_pre(fb * E_post);",
}

local function eprop_name_of(x)
  if type(x) == "string" then return x end
  return x.name
end

-- Softmax of a readout population's V (three custom updates: max, sum, output), the error
-- E = pi - y (y: one-hot of 'label', or of the expression given as label = "..."), the
-- bias gradient gb += E, pi_sum += pi and the cross-entropy ce += -log(pi) at the label.
function eprop_softmax(t)
  local pop = eprop_name_of(t[1] or t.pop)
  local group = t.group or "Softmax"
  local name = t.name or (pop .. "_softmax")
  local label = tostring(t.label or "label")
  custom_update { name = name .. "_max", group = group, vars = { M = { reduce = "max" } },
                  var_refs = { V = ref(pop, "V") }, code = "M = V;" }
  custom_update { name = name .. "_sum", group = group, vars = { S = { reduce = "sum" } },
                  var_refs = { V = ref(pop, "V"), M = ref(name .. "_max", "M") },
                  code = "S = exp(V - M);" }
  custom_update { name = name, group = group, every = t.every or 1,
                  var_refs = { V = ref(pop, "V"), M = ref(name .. "_max", "M"),
                               S = ref(name .. "_sum", "S"), pi = ref_rw(pop, "pi"),
                               E = ref_rw(pop, "E"), gb = ref_rw(pop, "gb"),
                               pi_sum = ref_rw(pop, "pi_sum"), ce = ref_rw(pop, "ce") },
                  code = "bool y = id == (" .. label .. [[);  // the first line: errors name the caller's
    pi = exp(V - M) / S;
    E = pi - (y ? 1.0 : 0.0);
    gb += E;
    pi_sum += pi;
    if (y) { ce -= log(pi); }
  ]] }
  return name
end

-- Adam's step counter: T = the number of optimiser steps taken including this one (1, 2,
-- ...), a reduced custom-update variable that eprop_adam reads.  It runs over the neurons
-- of 'pop' (any population; every neuron holds the same count n).
function eprop_adam_step(t)
  local pop = eprop_name_of(t[1] or t.pop)
  local name = t.name or "AdamStep"
  local V = t.var or "V"
  custom_update { name = name, group = t.group or "Learn", every = t.every,
                  vars = { n = 0.0, T = { reduce = "max" } },
                  var_refs = { any = ref(pop, V) }, code = "n += 1.0; T = n;" }
  return name
end

-- Adam (mlGeNN's optimisers/adam.py) on variable 'var' of a projection's synapses or a
-- population's neurons, from the gradient variable 'grad' (zeroed after the step unless
-- zero_grad = false), with the step count of eprop_adam_step 'step'.  lr is a runtime
-- parameter (<name>.lr).  batch = true (batched models, network{ batch = B }): the
-- gradient is first summed over the lanes by the update '<name>_sum' (G, reduce =
-- "batch_sum", in lane order; group sum_group, default "GradSum", which must run before
-- Adam's group: train.groups.batch_end: [GradSum, Learn]), each lane's gradient zeroed
-- there; Adam then reads the one sum in every lane, so the lanes' copies of var, m and v
-- stay equal.  In an unbatched model the sum is the gradient itself.
function eprop_adam(t)
  local target = eprop_name_of(t[1] or t.target)
  local var = t.var or "w"
  local grad = t.grad or "g"
  local zero = t.zero_grad ~= false
  local name = t.name or (target .. "_adam")
  local gref = zero and ref_rw(target, grad) or ref(target, grad)
  if t.batch then
    custom_update { name = name .. "_sum", group = t.sum_group or "GradSum", every = t.every,
                    vars = { G = { reduce = "batch_sum" } }, var_refs = { g = gref },
                    code = "G = g;" .. (zero and " g = 0.0;" or "") }
    gref = ref(name .. "_sum", "G")
    zero = false
  end
  custom_update {
    name = name, group = t.group or "Learn", every = t.every,
    params = { lr = t.lr or 0.001, beta1 = t.beta1 or 0.9, beta2 = t.beta2 or 0.999,
               eps = t.eps or 1e-8 },
    runtime = { "lr" },
    vars = { m = 0.0, v = 0.0 },
    var_refs = { w = ref_rw(target, var), g = gref, T = ref(t.step or "AdamStep", "T") },
    code = [[
    m = beta1 * m + (1.0 - beta1) * g;
    v = beta2 * v + (1.0 - beta2) * g * g;
    scalar s1 = 1.0 / (1.0 - pow(beta1, T));
    scalar s2 = 1.0 / (1.0 - pow(beta2, T));
    w = w - lr * m * s1 / (sqrt(v * s2) + eps);
  ]] .. (zero and "    g = 0.0;\n" or "") }
  return name
end

-- DEEP R (Bellec et al. 2018, as mlGeNN does it: ../shared/reference/deep_r.md section 2.2;
-- docs/language.md "DEEP R") on a sparse projection trained by eprop_adam, made of one
-- custom update and one connectivity update, both run by the optimiser's group (file
-- order: call deep_r before eprop_adam of the same projection):
--   '<name>' (custom update, group 'group'): the synapse's sign (a per-synapse custom-update
--     variable; 0 until set: the sign of the weight the first time, +1 for w = 0), then
--     the L1 term g += l1 (excitatory) or g -= l1 (inhibitory) into the gradient Adam reads;
--   '<name>_rw' (connectivity update, after the group's custom updates): removes every
--     synapse whose weight's sign differs from its sign (w < 0 with sign +1, w >= 0 with
--     sign -1), then adds as many as were removed (add.total = n_removed) spread over the
--     rows with room, each to a target drawn uniformly among those the row lacks
--     (add.redraw), with weight 0, a random sign and every other variable (eligibility
--     traces, gradient, Adam's m and v) at its declared initial value 0.
-- batch = true (batched models, with eprop_adam{ batch = true }): '<name>' runs in the
-- group that sums the gradients over the lanes (sum_group, default "GradSum"; before
-- eprop_adam's '<p>_adam_sum' in file order), once per lane, so the sum holds B times the
-- L1 term (mlGeNN's DeepRL1 before the batch reduction); '<name>_rw' runs in 'group' after
-- Adam, once for all lanes: the lanes' weights are equal after the summed step, and lane
-- 0's decide (docs/language.md "Connectivity updates").
-- The projection needs room for the rows to grow: projection{ row_padding = f } or
-- max_row_length.  run.json's connectivity_updates entry '<name>_rw' counts removed,
-- added and failed (no room anywhere) synapses and full_row_draws (mlGeNN's failed
-- rewirings).
function deep_r(t)
  local proj = eprop_name_of(t[1] or t.projection)
  if not proj then error("deep_r: give the projection (deep_r{ \"IH\", l1 = ... })", 2) end
  local name = t.name or (proj .. "_deep_r")
  local var, grad = t.var or "w", t.grad or "g"
  local group = t.group or "Learn"
  local l1 = t.l1 or 0.0
  if type(l1) ~= "number" or not (l1 >= 0 and l1 < math.huge) then
    error(string.format("deep_r '%s': l1 = %s must be a finite number >= 0", name, tostring(l1)), 2)
  end
  local sign_group = t.batch and (t.sum_group or "GradSum") or group
  custom_update { name = name, group = sign_group, every = t.every, params = { l1 = l1 },
                  vars = { sign = 0.0 },
                  var_refs = { w = ref(proj, var), g = ref_rw(proj, grad) },
                  code = [[
    if (sign == 0.0) { sign = w < 0.0 ? -1.0 : 1.0; }
    g += sign < 0.0 ? -l1 : l1;
  ]] }
  connectivity_update { name = name .. "_rw", projection = proj, group = group,
    remove = "sign != 0.0 && (" .. var .. " < 0.0) != (sign < 0.0)",
    add = { total = "n_removed", target = "floor(uniform() * N_post)", redraw = true,
            init = { [var] = 0.0, sign = "uniform() < 0.5 ? -1.0 : 1.0" } } }
  return name
end
