#!/usr/bin/env bash
# Every neuron model of the standard library and every postsynaptic model, one neuron at a
# time, against an independent reference written here in Python (float64, the update
# equations of docs/language.md and templates/lua/stdlib.lua, same discretisation; the
# model is compiled in double precision and with -ffp-contract=off, so the arithmetic is
# the same operation for operation):
#   izhikevich (RS, FS, chattering; several I_e), adex (800 pA, and 1000 pA with t_ref),
#   alif (adaptation lengthens the ISIs): every spike time identical on the grid;
#   lif_alpha (NEST's iaf_psc_alpha, exact): one input spike gives, on the grid, the
#     continuous solution of an alpha current into the membrane (1e-9 relative); the
#     hpc_benchmark's synapse (45.61 pA, tau_syn 0.3258 ms) gives the spec's 0.14 mV PSP
#     peaking at 1.7 ms; under I_e the lif spike times;
#   lif under dc{} and step_current{}: spike times equal to the analytical ones,
#     t* = tau_m ln(R I / (R I - (V_th - E_L))) rounded up to the grid, then every
#     t_ref + t* (as tests/e2e/lif_analytical.sh), and none before or after the step;
#   one input spike (a source whose threshold is "t >= 10.0 && t < 10.05", so it fires in
#   step 100, stamped 10.1 ms) onto
#     - lif targets through delta, exp_curr, alpha_curr and exp_cond: recorded V equal to a
#       step-by-step reference of the exact update (1e-9 mV), the spike first acting in
#       step 100 + delay;
#     - "probe" neurons that store Isyn: each step's value equal to the mean over the step
#       of the continuous kernel (w e^(-u/tau); w (u/tau) e^(1 - u/tau); g (E - V)), the
#       total charge w tau (exp) and w e tau (alpha), the alpha peak at u = tau;
#     - lif + exp_curr: V within 1% (of the peak) of the continuous-time PSP
#       w tau_s tau_m / (C (tau_m - tau_s)) (e^(-u/tau_m) - e^(-u/tau_s)).
set -euo pipefail
cat >"$WORK/single.lua" <<'LUA'
network { name = "single", dt = 0.1, precision = "double", seed = 3 }

-- spiking models, each one neuron with constant drive
population { "izRS5",  izhikevich { I_e = 5.0 }, 1 }
population { "izRS10", izhikevich { I_e = 10.0 }, 1 }
population { "izRS15", izhikevich { I_e = 15.0 }, 1 }
population { "izFS",   izhikevich { a = 0.1, d = 2.0, I_e = 10.0 }, 1 }
population { "izCH",   izhikevich { c = -50.0, d = 2.0, I_e = 10.0 }, 1 }
population { "adex800",  adex { I_e = 800.0 }, 1 }
population { "adexref",  adex { I_e = 1000.0, t_ref = 2.0 }, 1 }
population { "alif",  alif { I_e = 400.0, beta = 2.0 }, 1 }
population { "LAdc", lif_alpha { I_e = 600.0 }, 1 }
local Ldc   = population { "Ldc", lif, 1 }
local Lstep = population { "Lstep", lif, 1 }
current_source { Ldc, dc { amp = 600.0 } }
current_source { Lstep, step_current { times = { 50.0, 200.0 }, amps = { 600.0, 0.0 } } }

-- one spike in step 100
local src = neuron { name = "src", threshold = "t >= 10.0 && t < 10.05" }
local S = population { "S", src, 1 }

-- lif targets (never fire) and Isyn probes
local quiet = lif { V_th = 1e9 }
local probe = neuron { name = "probe", vars = { I = 0.0, V = -60.0 }, sim = "I = Isyn;" }
local Td = population { "Td", quiet, 1 }
local Te = population { "Te", quiet, 1 }
local Ta = population { "Ta", quiet, 1 }
local Tc = population { "Tc", quiet, 1 }
local Tal = population { "Tal", lif_alpha { V_th = 1e9 }, 1 }
local Thpc = population { "Thpc", lif_alpha { C = 250.0, tau_m = 10.0, E_L = 0.0, V_reset = 0.0,
                                              V_th = 1e9, tau_syn = 0.32582722403722841 }, 1,
                          init = { V = 0.0 } }
local Pe = population { "Pe", probe, 1 }
local Pa = population { "Pa", probe, 1 }
local Pc = population { "Pc", probe, 1 }
projection { S, Td, conn = all_to_all(), weight = 2000.0, delay = 0.3 }
projection { S, Te, conn = all_to_all(), weight = 1000.0, psm = exp_curr(2.0) }
projection { S, Pe, conn = all_to_all(), weight = 1000.0, psm = exp_curr(2.0) }
projection { S, Ta, conn = all_to_all(), weight = 500.0, delay = 1.5, psm = alpha_curr(2.0) }
projection { S, Pa, conn = all_to_all(), weight = 500.0, delay = 1.5, psm = alpha_curr(2.0) }
projection { S, Tal, conn = all_to_all(), weight = 500.0, delay = 0.2, target = "in_alpha" }
projection { S, Thpc, conn = all_to_all(), weight = 45.61, target = "in_alpha" }
projection { S, Tc, conn = all_to_all(), weight = 5.0, delay = 0.5,
             psm = exp_cond { tau = 5.0, E = 0.0 } }
projection { S, Pc, conn = all_to_all(), weight = 5.0, delay = 0.5,
             psm = exp_cond { tau = 5.0, E = 0.0 } }

record { "izRS5", "izRS10", "izRS15", "izFS", "izCH", "adex800", "adexref", "alif",
         "LAdc", "Ldc", "Lstep", "S" }
record { Tal = "V", Thpc = "V", Td = "V", Te = "V", Ta = "V", Tc = "V", Pe = "I", Pa = "I", Pc = "I" }
LUA
"$SNNCC" -q "$WORK/single.lua" -o "$WORK/single"
"$WORK/single/single" --time 500 --output "$WORK/out" --quiet
$PY - "$WORK/out" <<'PYEOF'
import math, sys
import numpy as np
out = sys.argv[1]
dt, T = 0.1, 500.0
N = round(T / dt)
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


def spikes(pop):
    s = np.load(f"{out}/spikes_{pop}.npy")
    assert (s["i"] == 0).all()
    return s["t"]


def same_times(pop, ref, what):
    got = spikes(pop)
    ref = np.array(ref)
    n = min(len(got), len(ref))
    bad = np.nonzero(np.abs(got[:n] - ref[:n]) > 1e-9)[0]
    ok = len(got) == len(ref) and len(bad) == 0
    msg = f"{pop} ({what}): {len(got)} spikes, reference {len(ref)}"
    if len(bad):
        msg += f"; spike {bad[0]} at {got[bad[0]]:.1f} ms, reference {ref[bad[0]]:.1f} ms"
    check(ok and len(ref) > 0, msg)
    return got


# ---- izhikevich: two half steps of v, one step of u (stdlib.lua) ------------------------
def izhikevich(I_e, a=0.02, b=0.2, c=-65.0, d=8.0):
    V, U, ts = -65.0, -13.0, []
    for s in range(N):
        I = 0.0 + I_e
        V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I)
        V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I)
        U += dt * a * (b * V - U)
        if V >= 30.0:
            ts.append((s + 1) * dt)
            V = c
            U += d
    return ts


for pop, kw in (("izRS5", dict(I_e=5.0)), ("izRS10", dict(I_e=10.0)),
                ("izRS15", dict(I_e=15.0)), ("izFS", dict(a=0.1, d=2.0, I_e=10.0)),
                ("izCH", dict(c=-50.0, d=2.0, I_e=10.0))):
    same_times(pop, izhikevich(**kw), f"izhikevich {kw}")
r5, r15 = len(spikes("izRS5")), len(spikes("izRS15"))
check(r15 > r5 > 0, f"izhikevich: more current, more spikes ({r5} < {r15})")
check(len(spikes("izFS")) > len(spikes("izRS10")), "izhikevich: FS fires faster than RS")


# ---- adex: forward Euler, exponential argument capped at 20 ------------------------------
def adex(I_e, t_ref=0.0, C=281.0, g_L=30.0, E_L=-70.6, V_T=-50.4, Delta_T=2.0,
         tau_w=144.0, a=4.0, b=80.5, V_reset=-70.6, V_peak=0.0):
    V, w, refrac, ts = -70.6, 0.0, 0.0, []
    for s in range(N):
        I = 0.0 + I_e
        if refrac > 0.5 * dt:
            refrac -= dt
        else:
            ex = g_L * Delta_T * math.exp(min((V - V_T) / Delta_T, 20.0))
            V += dt * (-g_L * (V - E_L) + ex - w + I) / C
        w += dt * (a * (V - E_L) - w) / tau_w
        if V > V_peak:
            ts.append((s + 1) * dt)
            V = V_reset
            w += b
            refrac = t_ref
    return ts


t_adex = same_times("adex800", adex(800.0), "adex, 800 pA")
isi = np.diff(t_adex)
check(len(isi) > 3 and isi[-1] > isi[0], f"adex: spike-triggered adaptation lengthens the ISI "
      f"({isi[0]:.1f} -> {isi[-1]:.1f} ms)")
t_ref_adex = same_times("adexref", adex(1000.0, t_ref=2.0), "adex, 1000 pA, t_ref 2 ms")
check(np.diff(t_ref_adex).min() >= 2.0, "adex: no ISI shorter than t_ref")


# ---- alif ----------------------------------------------------------------------------------
def alif(I_e, beta, C=250.0, tau_m=20.0, E_L=-70.0, V_reset=-70.0, V_th=-55.0, t_ref=2.0,
         tau_a=200.0):
    V, a, refrac, ts = -70.0, 0.0, 0.0, []
    decay_a, decay = math.exp(-dt / tau_a), math.exp(-dt / tau_m)
    for s in range(N):
        a *= decay_a
        if refrac > 0.5 * dt:
            refrac -= dt
        else:
            V = E_L + (V - E_L) * decay + (0.0 + I_e) * (tau_m / C) * (1.0 - decay)
        if V >= V_th + beta * a:
            ts.append((s + 1) * dt)
            V = V_reset
            a += 1.0
            refrac = t_ref
    return ts


t_alif = same_times("alif", alif(400.0, 2.0), "alif, 400 pA, beta 2")
isi = np.diff(t_alif)
# without adaptation the ISI would be t_ref + t*
tstar = 20.0 * math.log(0.08 * 400.0 / (0.08 * 400.0 - 15.0))
check(len(isi) > 5 and isi[0] < isi[-1] and isi[-1] > 1.5 * (2.0 + tstar),
      f"alif: adaptation lengthens the ISIs ({isi[0]:.1f} -> {isi[-1]:.1f} ms; "
      f"{2.0 + tstar:.1f} ms without)")


# ---- lif under dc{} and step_current{}: analytical times --------------------------------
def lif_times(I, t_on, t_off, C=250.0, tau_m=10.0, gap=15.0, t_ref=2.0):
    R = tau_m / C
    steps = math.ceil(tau_m * math.log(R * I / (R * I - gap)) / dt - 1e-9)
    on = next(s for s in range(N + 1) if s * dt >= t_on)      # first step with t >= t_on
    off = next((s for s in range(N + 1) if s * dt >= t_off), N)
    ts, k = [], on + steps                                     # stamp = step + 1
    while k <= off:
        ts.append(k * dt)
        k += round(t_ref / dt) + steps
    return ts


same_times("Ldc", lif_times(600.0, 0.0, T + 1), "lif + dc 600 pA")
same_times("LAdc", lif_times(600.0, 0.0, T + 1), "lif_alpha, I_e = 600 pA (exact, as lif)")
t_step = same_times("Lstep", lif_times(600.0, 50.0, 200.0), "lif + step_current 600 pA in [50, 200) ms")
check(len(t_step) and t_step.min() > 50.0 and t_step.max() <= 200.0,
      "step_current: spikes only while the step is on")

# ---- one input spike -------------------------------------------------------------------------
t_src = spikes("S")
check(len(t_src) == 1 and abs(t_src[0] - 10.1) < 1e-9, f"source fires once, at 10.1 ms ({t_src})")
n_src = 100                                                    # the step it fires in


def rec(pop, var):
    r = np.load(f"{out}/{pop}_{var}.npy")
    check(r.shape == (N,) and np.allclose(r["t"], (np.arange(N) + 1) * dt, atol=1e-9, rtol=0),
          f"{pop}_{var}.npy: {N} records stamped (s + 1) dt")
    return r["v"][:, 0]


def lif_quiet(isyn_of_step, C=250.0, tau_m=10.0, E_L=-70.0):
    """lif (V_th huge): V after each step, isyn_of_step(s, V) giving Isyn at the step's start."""
    V, out_ = -70.0, np.empty(N)
    decay = math.exp(-dt / tau_m)
    for s in range(N):
        Isyn = isyn_of_step(s, V)
        V = E_L + (V - E_L) * decay + (Isyn + 0.0) * (tau_m / C) * (1.0 - decay)
        out_[s] = V
    return out_


def compare_V(pop, ref, what):
    got = rec(pop, "V")
    err = np.abs(got - ref).max()
    first = np.argmax(np.abs(got + 70.0) > 1e-12)
    check(err < 1e-9, f"{pop} ({what}): V equals the step-by-step reference (max |diff| {err:.2e} mV)")
    return got, first


# delta, delay 0.3 ms: w in Isyn in step 103 only
w = 2000.0
Vd, first = compare_V("Td", lif_quiet(lambda s, V: 0.0 + (w if s == n_src + 3 else 0.0)), "delta")
check(first == n_src + 3, f"delta, delay 3 steps: V first moves in step {first} (spike in step {n_src})")
R, a = 10.0 / 250.0, math.exp(-dt / 10.0)
check(abs(Vd[n_src + 3] + 70.0 - w * R * (1 - a)) < 1e-9, "delta: the jump is w R (1 - e^(-dt/tau_m))")


# exp_curr, tau 2, default delay (one step): accumulator in, Isyn = c in, in *= E
def exp_kernel(tau, arrive, w):
    E = math.exp(-dt / tau)
    c = -math.expm1(-dt / tau) * tau / dt
    state = {"in": 0.0}

    def isyn(s, V):
        if s == arrive:
            state["in"] += w
        v = 0.0 + state["in"] * c
        state["in"] *= E
        return v
    return isyn


w, tau = 1000.0, 2.0
Ve, first = compare_V("Te", lif_quiet(exp_kernel(tau, n_src + 1, w)), "exp_curr")
check(first == n_src + 1, f"exp_curr, default delay: V first moves in step {first}")
u = (np.arange(N) + 1 - (n_src + 1)) * dt                      # time since the PSC's onset
tm, ts_ = 10.0, tau
psp = np.where(u > 0, w * ts_ * tm / (250.0 * (tm - ts_)) * (np.exp(-u / tm) - np.exp(-u / ts_)), 0.0)
dev = np.abs((Ve + 70.0) - psp).max() / psp.max()
check(dev < 0.01, f"exp_curr: V within {dev * 100:.3f}% of the continuous PSP (peak {psp.max():.4f} mV)")
I = rec("Pe", "I")
k = np.arange(N) - (n_src + 1)
mean_exp = np.where(k >= 0, w * tau / dt * (np.exp(-np.maximum(k, 0) * dt / tau) -
                                            np.exp(-(np.maximum(k, 0) + 1) * dt / tau)), 0.0)
check(np.abs(I - mean_exp).max() < 1e-9 * w, "exp_curr: Isyn is the step mean of w e^(-u/tau)")
check(abs(I.sum() * dt - w * tau) < 1e-6 * w * tau, f"exp_curr: charge {I.sum() * dt:.6f} = w tau = {w * tau}")


# alpha_curr, tau 2, delay 1.5 ms: x, y with a spike adding w e / tau to y
def alpha_kernel(tau, arrive, w):
    E = math.exp(-dt / tau)
    c1, c2 = tau / dt * (1 - E), (tau * tau * (1 - E) - tau * dt * E) / dt
    st = {"x": 0.0, "y": 0.0, "in": 0.0}

    def isyn(s, V):
        if s == arrive:
            st["in"] += w
        x, y = st["x"], st["y"] + st["in"] * (math.e / tau)
        st["in"] = 0.0
        v = 0.0 + (c1 * x + c2 * y)
        st["x"], st["y"] = E * (x + dt * y), E * y
        return v
    return isyn


w, tau = 500.0, 2.0
Va, first = compare_V("Ta", lif_quiet(alpha_kernel(tau, n_src + 15, w)), "alpha_curr")
check(first == n_src + 15, f"alpha_curr, delay 1.5 ms: V first moves in step {first}")
I = rec("Pa", "I")
k = np.arange(N) - (n_src + 15)


def alpha_prim(u):                                 # integral of w (u/tau) e^(1-u/tau) from 0
    return w * math.e * (tau - (u + tau) * np.exp(-u / tau))


kk = np.maximum(k, 0)
mean_alpha = np.where(k >= 0, (alpha_prim((kk + 1) * dt) - alpha_prim(kk * dt)) / dt, 0.0)
err = np.abs(I - mean_alpha).max()
check(err < 1e-9 * w, f"alpha_curr: Isyn is the step mean of w (u/tau) e^(1-u/tau) (max |diff| {err:.2e})")
peak = (np.argmax(I) - (n_src + 15) + 0.5) * dt
check(abs(peak - tau) <= dt, f"alpha_curr: the PSC peaks {peak:.2f} ms after onset (tau = {tau})")
check(abs(I.max() - w) < 0.01 * w, f"alpha_curr: peak {I.max():.3f} ~ w = {w}")
q = I.sum() * dt
check(abs(q - w * math.e * tau) < 1e-4 * w * math.e * tau,
      f"alpha_curr: charge {q:.4f} = w e tau = {w * math.e * tau:.4f} (450 ms of tail)")


# exp_cond, tau 5, E 0, delay 0.5 ms: Isyn = c g (E - V), V at the start of the step
def cond_kernel(tau, Erev, arrive, w):
    E, c = math.exp(-dt / tau), -math.expm1(-dt / tau) * tau / dt
    st = {"g": 0.0}

    def isyn(s, V):
        if s == arrive:
            st["g"] += w
        v = 0.0 + st["g"] * c * (Erev - V)
        st["g"] *= E
        return v
    return isyn


w, tau = 5.0, 5.0
Vc, first = compare_V("Tc", lif_quiet(cond_kernel(tau, 0.0, n_src + 5, w)), "exp_cond")
check(first == n_src + 5, f"exp_cond, delay 0.5 ms: V first moves in step {first}")
check(Vc.max() > -70.0 + 0.5, f"exp_cond: depolarising towards E = 0 (peak {Vc.max():.3f} mV)")
I = rec("Pc", "I")
k = np.arange(N) - (n_src + 5)
kk = np.maximum(k, 0)
mean_g = np.where(k >= 0, w * tau / dt * (np.exp(-kk * dt / tau) - np.exp(-(kk + 1) * dt / tau)), 0.0)
err = np.abs(I - mean_g * (0.0 - -60.0)).max()
check(err < 1e-9 * w * 60, f"exp_cond: Isyn = mean g over the step x (E - V) (max |diff| {err:.2e})")


# lif_alpha (NEST iaf_psc_alpha, exact): the input lands in in_alpha in step 100 + d and
# shapes the current from the end of that step on; exact integration means V on the grid
# is the continuous solution of an alpha current w (u/ts) e^(1 - u/ts) into the membrane,
#   V(u) - E_L = w e / (ts C) e^(-u/tm) (1 - (1 + a u) e^(-a u)) / a^2,  a = 1/ts - 1/tm
def alpha_psp(u, w, ts, tm=10.0, C=250.0):
    a = 1 / ts - 1 / tm
    return np.where(u > 0, w * math.e / (ts * C) * np.exp(-u / tm) * (1 - (1 + a * u) * np.exp(-a * u)) / (a * a), 0.0)


for pop, w, ts, E_L, d in (("Tal", 500.0, 0.5, -70.0, 2), ("Thpc", 45.61, 0.32582722403722841, 0.0, 1)):
    V = rec(pop, "V") - E_L
    u = (np.arange(N) - (n_src + d)) * dt                    # record s is after step s
    want = alpha_psp(u, w, ts)
    err = np.abs(V - want).max()
    check(err < 1e-9 * want.max(), f"lif_alpha {pop}: V equals the continuous alpha PSP on the grid "
                                   f"(max |diff| {err:.2e} mV, peak {want.max():.5f} mV)")
    check(np.all(V[:n_src + d + 1] == 0.0), f"lif_alpha {pop}: nothing before step {n_src + d} + 1")
V = rec("Thpc", "V")
peak_t = (np.argmax(V) - (n_src + 1)) * dt
check(abs(V.max() - 0.14) < 0.0005 and abs(peak_t - 1.7) < 0.05,
      f"hpc_benchmark's synapse: JE = 45.61 pA gives a {V.max():.5f} mV PSP peaking after {peak_t:.1f} ms "
      f"(spec: 0.14 mV, rise time 1.700759 ms)")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
