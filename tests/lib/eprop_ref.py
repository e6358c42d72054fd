#!/usr/bin/env python3
"""NumPy reference of the e-prop standard library (docs/language.md "e-prop";
../shared/reference/eprop.md sections 1.3-1.10) for tests/e2e/eprop_unit.sh.

It re-runs, step by step and in plain double-precision arithmetic, the network of
eprop_unit.sh (inputs In -> hidden H (eprop_lif or eprop_alif, recurrent HH) -> readout Out)
in snncc's documented order and compares every recorded value bitwise:

  step s: spikes of step s-1 arrive (IH, then HH, sources ascending, into one accumulator);
          H: V = alpha V + Isyn, [A = rho A], refractory count-down, L = feedback, f decays;
             spike iff V >= v_th [+ beta A] and not refractory: V -= v_th, [A += 1],
             refrac = tau_ref, f += 1 - exp(-dt/tau_reg);
          Out: V = kappa V + Isyn + b;
          psi of every H neuron; zbar = alpha zbar + z of every source;
          synapse dynamics: e, [eps_a], ebar, g (IH, HH); feedback += w E_post (exact sum),
          g += zbar E_post (HO);
          (neuron state recorded here)
          Softmax group: pi, E = pi - y, gb += E, ce; every 20 steps the Learn group:
          T += 1, Adam on IH.w, HH.w, HO.w, Out.b; gradients zeroed;
          (synapse state recorded here)

Usage: eprop_ref.py [--float] OUTDIR lif|alif [MUTATION]; a MUTATION changes one equation
of the reference (the test checks that each one makes the comparison fail).  With --float
(a model in single precision) the same spikes, and every value within 1e-5 of the
variable's largest magnitude over the run (eprop.md 1.13: 1e-5 relative in fp32).
"""
import math
import sys

import numpy as np

args = [a for a in sys.argv[1:] if a != "--float"]
single = "--float" in sys.argv   # a float model: within TOL of the double reference
TOL = 1e-5
out, kind = args[0], args[1]
mut = args[2] if len(args) > 2 else ""
alif = kind == "alif"
NI, NH, NO, STEPS, EVERY, LABEL = 5, 4, 3, 60, 20, 1
dt = 1.0
tau_m, tau_ref, tau_reg, tau_out = 20.0, 5.0, 500.0, 20.0
v_th = 0.6 if alif else 0.61
tau_a, beta = 2000.0, 0.0174
gamma, c_reg, f_target = 0.3, 0.001, 0.01
lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
alpha = math.exp(-dt / tau_m)
rho = math.exp(-dt / tau_a)
kappa = math.exp(-dt / tau_out)
dreg = math.exp(-dt / tau_reg)
if mut == "alpha_rounded":   # the decay one ulp off
    alpha = np.nextafter(alpha, 1.0)


def load(name):
    return np.load(f"{out}/{name}.npy")


def spikes(pop):
    s = load(f"spikes_{pop}")
    steps = np.rint(s["t"] / dt).astype(int) - 1
    return steps, s["i"]


def syn(proj, var):
    """A (snapshots, pre, post) array of a recorded synapse variable (NaN: no synapse)."""
    a = load(f"{proj}_{var}")
    ts = np.unique(a["t"])
    npre, npost = (NI, NH) if proj == "IH" else (NH, NH) if proj == "HH" else (NH, NO)
    m = np.full((len(ts), npre, npost), np.nan)
    k = np.searchsorted(ts, a["t"])
    m[k, a["pre"], a["post"]] = a["v"]
    return m


def neu(pop, var):
    return load(f"{pop}_{var}")["v"]


x = np.zeros((STEPS, NI))
st, si = spikes("In")
x[st, si] = 1.0
W = {p: syn(p, "w")[0].copy() for p in ("IH", "HH", "HO")}  # unchanged until the first Adam
mask = {p: ~np.isnan(W[p]) for p in W}
for p in W:
    W[p][~mask[p]] = 0.0
b = np.zeros(NO)

V = np.zeros(NH); A = np.zeros(NH); refrac = np.zeros(NH); L = np.zeros(NH); f = np.zeros(NH)
fb = np.zeros(NH)
Vo = np.zeros(NO); pi = np.zeros(NO); E = np.zeros(NO); gb = np.zeros(NO); ce = np.zeros(NO)
zbar_i = np.zeros(NI); zbar_h = np.zeros(NH); zbar_h1 = np.zeros(NH); zbar_h2 = np.zeros(NH)
G = {p: np.zeros_like(W[p]) for p in W}
ebar = {p: np.zeros_like(W[p]) for p in ("IH", "HH")}
ea = {p: np.zeros_like(W[p]) for p in ("IH", "HH")}
m1 = {p: np.zeros_like(W[p]) for p in W}; m1["b"] = np.zeros(NO)
m2 = {p: np.zeros_like(W[p]) for p in W}; m2["b"] = np.zeros(NO)
T = 0.0
z_prev = np.zeros(NH)
rec = {k: [] for k in ("H_V", "H_refrac", "H_L", "H_f", "H_A", "Out_V", "Out_pi", "Out_E",
                       "Out_gb", "Out_b", "Out_ce")}
srec = {k: [] for k in ("IH_w", "IH_g", "IH_ebar", "HH_w", "HH_g", "HH_ebar", "HO_w", "HO_g",
                        "IH_ea", "HH_ea")}
zs = np.zeros((STEPS, NH))
psis = np.zeros((STEPS, NH))


def adam(key, w, g):
    m1[key] = b1 * m1[key] + (1.0 - b1) * g
    m2[key] = b2 * m2[key] + (1.0 - b2) * g * g
    s1 = 1.0 / (1.0 - math.pow(b1, T))
    s2 = 1.0 / (1.0 - math.pow(b2, T))
    if mut == "adam_no_bias_correction":
        s1 = s2 = 1.0
    if mut == "adam_step_from_0":   # the step count one too low
        s1 = 1.0 / (1.0 - math.pow(b1, T + 1.0))
    return w - lr * m1[key] * s1 / (np.sqrt(m2[key] * s2) + eps)


for s in range(STEPS):
    # arrivals of step s-1's spikes, projection by projection, sources ascending
    acc = np.zeros(NH)
    acco = np.zeros(NO)
    if s > 0:
        for i in range(NI):
            if x[s - 1, i]:
                acc = acc + W["IH"][i]
        for i in range(NH):
            if z_prev[i]:
                acc = acc + np.where(mask["HH"][i], W["HH"][i], 0.0)
                acco = acco + W["HO"][i]
    # hidden update
    V = alpha * V + acc
    if alif:
        A = A * rho
    refrac = np.where(refrac > 0.5 * dt, refrac - dt, refrac)
    L = fb.copy()
    f = f * dreg
    thr = v_th + beta * A if alif else np.full(NH, v_th)
    z = ((V >= thr) & (refrac <= 0.5 * dt)).astype(float)
    if mut == "absolute_reset":
        V = np.where(z > 0, 0.0, V)
    else:
        V = np.where(z > 0, V - v_th, V)
    if alif:
        A = np.where(z > 0, A + 1.0, A)
    refrac = np.where(z > 0, tau_ref, refrac)
    f = np.where(z > 0, f + (1.0 - dreg), f)
    zs[s] = z
    # readout
    Vo = kappa * Vo + acco + b
    # per target: the pseudo-derivative (post-reset V)
    athr = v_th + beta * A if alif else np.full(NH, v_th)
    psi = np.where(refrac > 0.5 * dt, 0.0,
                   gamma / v_th * np.maximum(0.0, 1.0 - np.abs(V - athr) / v_th))
    if mut == "psi_over_athr":
        psi = np.where(refrac > 0.5 * dt, 0.0,
                       gamma / athr * np.maximum(0.0, 1.0 - np.abs(V - athr) / athr))
    if mut == "psi_while_refractory":
        psi = gamma / v_th * np.maximum(0.0, 1.0 - np.abs(V - athr) / v_th)
    psis[s] = psi
    # per source: the presynaptic traces
    zbar_i = alpha * zbar_i + x[s]
    zbar_h2, zbar_h1 = zbar_h1, zbar_h      # HO's trace two steps back
    if mut == "output_trace_now":
        zbar_h2 = alpha * zbar_h + z
    zbar_h = alpha * zbar_h + z
    # synapse dynamics
    for p, zb in (("IH", zbar_i), ("HH", zbar_h)):
        if alif:
            e = psi[None, :] * (zb[:, None] - beta * ea[p])
            ea[p] = psi[None, :] * zb[:, None] + (rho - psi[None, :] * beta) * ea[p]
        else:
            e = psi[None, :] * zb[:, None]
        if mut == "no_ebar_filter":
            ebar[p] = e
        else:
            ebar[p] = alpha * ebar[p] + e
        reg = c_reg * (f[None, :] - f_target) * e
        if mut == "no_regulariser":
            reg = 0.0 * e
        G[p] = G[p] + (ebar[p] * L[None, :] + reg)
        G[p][~mask[p]] = 0.0
    fb = np.array([math.fsum(W["HO"][j] * E) for j in range(NH)])
    G["HO"] = G["HO"] + zbar_h2[:, None] * E[None, :]
    rec["H_V"].append(V); rec["H_refrac"].append(refrac); rec["H_L"].append(L)
    rec["H_f"].append(f); rec["H_A"].append(A)
    rec["Out_V"].append(Vo); rec["Out_pi"].append(pi); rec["Out_E"].append(E)
    rec["Out_gb"].append(gb); rec["Out_b"].append(b); rec["Out_ce"].append(ce)
    # the Softmax group, every step: in neuron order, libm's exp
    M = max(Vo)
    S = 0.0
    for k in range(NO):
        S += math.exp(Vo[k] - M)
    pi = np.array([math.exp(Vo[k] - M) / S for k in range(NO)])
    y = np.arange(NO) == LABEL
    E = pi - y
    if mut == "error_sign":
        E = y - pi
    gb = gb + E
    ce = ce - np.array([math.log(pi[k]) if y[k] else 0.0 for k in range(NO)])
    # the Learn group every EVERY steps
    if (s + 1) % EVERY == 0:
        T += 1.0
        for p in ("IH", "HH", "HO"):
            W[p] = adam(p, W[p], G[p])
            W[p][~mask[p]] = 0.0
            G[p] = np.zeros_like(G[p])
        b = adam("b", b, gb)
        gb = np.zeros(NO)
    for p in ("IH", "HH", "HO"):
        srec[f"{p}_w"].append(np.where(mask[p], W[p], np.nan))
        srec[f"{p}_g"].append(np.where(mask[p], G[p], np.nan))
    for p in ("IH", "HH"):
        srec[f"{p}_ebar"].append(np.where(mask[p], ebar[p], np.nan))
        srec[f"{p}_ea"].append(np.where(mask[p], ea[p], np.nan))
    z_prev = z

fails = []


def same(name, got, want):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        fails.append(f"{name}: shape {got.shape} != {want.shape}")
        return
    if single and name != "spikes_H":
        fin = np.isfinite(want)
        sc = np.max(np.abs(want[fin])) if fin.any() else 0.0
        bad = ~((np.abs(got - want) <= TOL * sc) | (np.isnan(got) & np.isnan(want)))
    else:
        bad = ~((got == want) | (np.isnan(got) & np.isnan(want)))
    if bad.any():
        k = np.argwhere(bad)[0]
        fails.append(f"{name}: {bad.sum()} values differ, first at {tuple(k)}: "
                     f"snncc {got[tuple(k)]!r} reference {want[tuple(k)]!r}")


hs, hi = spikes("H")
zr = np.zeros((STEPS, NH))
zr[hs, hi] = 1.0
same("spikes_H", zr, zs)
for k in rec:
    if k == "H_A" and not alif:
        continue
    pop, var = k.split("_", 1)
    same(k, neu(pop, var), np.array(rec[k]))
for k in srec:
    if k.endswith("_ea") and not alif:
        continue
    p, var = k.split("_", 1)
    same(k, syn(p, var), np.array(srec[k]))

# softmax against NumPy's own: within 1e-15 relative
Vr = neu("Out", "V")
Pr = neu("Out", "pi")
for s in range(1, STEPS):
    v = Vr[s - 1]
    ref = np.exp(v - v.max())
    ref /= ref.sum()
    rel = np.max(np.abs(Pr[s] - ref) / ref)
    if rel > (TOL if single else 1e-15):
        fails.append(f"softmax at step {s}: {rel:.3g} relative from NumPy's")
# cross-entropy: the sum over steps of -log pi_label, at the label's neuron
ce_np = -np.sum(np.log(Pr[1:, LABEL]))
last = neu("Out", "ce")[-1]
if abs(last[LABEL] - ce_np) > (TOL if single else 1e-12) * abs(ce_np) or last[0] != 0 or last[2] != 0:
    fails.append(f"cross-entropy {last} vs NumPy {ce_np}")

# HO's g is the exact gradient of the summed cross-entropy with respect to W_out: the
# hidden spikes do not depend on W_out (it feeds back only into the learning signal), so
# the loss of steps 0 .. 17 (before the first Adam step) is a smooth function of W_out;
# central differences of it equal g of step 18 (its dynamics read E of steps 0 .. 17).
W0 = syn("HO", "w")[0]
g18 = syn("HO", "g")[EVERY - 2]


def loss(Wout, last):
    Vk = np.zeros(NO)
    tot = 0.0
    for s in range(last + 1):
        if s > 0:
            Vk = kappa * Vk + zs[s - 1] @ Wout
        else:
            Vk = kappa * Vk
        p = np.exp(Vk - Vk.max())
        p /= p.sum()
        tot -= math.log(p[LABEL])
    return tot


if not single:
    h = 1e-6
    worst = 0.0
    for j in range(NH):
        for k in range(NO):
            Wp = W0.copy(); Wp[j, k] += h
            Wm = W0.copy(); Wm[j, k] -= h
            fd = (loss(Wp, EVERY - 3) - loss(Wm, EVERY - 3)) / (2 * h)
            err = abs(fd - g18[j, k]) / max(abs(fd), 1e-3)
            worst = max(worst, err)
    if worst > 1e-6:
        fails.append(f"HO gradient vs finite differences of the loss: {worst:.2e} relative")
    print(f"HO gradient: within {worst:.1e} of the loss's central differences")

nspk = int(zs.sum())
npsi = int((psis > 0).sum())
nsurr = int(((psis > 0) & (zs == 0)).sum())
if fails:
    print(f"eprop_ref {kind} {mut or 'unchanged'}: MISMATCH")
    for f_ in fails[:12]:
        print("  " + f_)
    sys.exit(1)
print(f"eprop_ref {kind}: all values " + ("within 1e-5 (float)" if single else "bitwise equal") + f" ({nspk} hidden spikes, psi > 0 in "
      f"{npsi} of {STEPS * NH} neuron-steps, {int(T)} Adam steps)")
