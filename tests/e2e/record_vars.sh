#!/usr/bin/env bash
# Recording state variables: record { P = { "V", "refrac", "spikes", every = 5, neurons = 3 } }
# on 10 lif neurons under I_e = 400 pA (the lif_single neuron, V from -70 mV), and
# record { Q = { "V", every = 7 } } on 50 neurons with random initial V and a current
# below rheobase; 100 ms, double and float precision.  Checked against the analytical
# solution of the exact integration:
#   P: V after k free steps from V_reset = E_L is E_L + R I (1 - a^k), a = e^(-dt/tau_m);
#      the step where that reaches V_th is a spike (V recorded as V_reset), then V is held
#      for t_ref / dt = 20 steps while refrac counts down 2.0, 1.9, ... 0;
#   Q: V(s) = V_inf + (V(0) - V_inf) a^s from the first record, and the initial values it
#      implies lie in the uniform(-70, -60) interval;
#   files: <pop>_<var>.npy with dtype [('t', '<f8'), ('v', '<f8' or '<f4', (n,))], one
#   record per step s with s % every == 0, stamped (s + 1) dt; n = neurons (default all);
#   the spikes of the same entry at the analytical times for all 10 neurons; run.json
#   lists the recordings.
set -euo pipefail
cat >"$WORK/recv.lua" <<'LUA'
network { name = "recv", dt = 0.1, seed = 9,
          precision = param("dbl", 1) == 1 and "double" or "float" }
local P = population { "P", lif { I_e = 400.0 }, 10, init = { V = -70.0 } }
local Q = population { "Q", lif { I_e = 200.0 }, 50, init = { V = uniform(-70.0, -60.0) } }
record { P = { "V", "refrac", "spikes", every = 5, neurons = 3 }, Q = { "V", every = 7 } }
LUA
for prec in 1 0; do
    "$SNNCC" -q -D dbl=$prec "$WORK/recv.lua" -o "$WORK/sim$prec"
    "$WORK/sim$prec/recv" --time 100 --output "$WORK/out$prec" --quiet
done
$PY - "$WORK" <<'PYEOF'
import json, math, sys
import numpy as np
work = sys.argv[1]
dt, N = 0.1, 1000
C, tau_m, E_L, V_th, t_ref = 250.0, 10.0, -70.0, -55.0, 2.0
R, a = tau_m / C, math.exp(-dt / tau_m)
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


# analytical trajectory of P (every step)
RI = R * 400.0
K = next(k for k in range(1, 10000) if E_L + RI * (1 - a ** k) >= V_th)   # spike after K steps
hold = round(t_ref / dt)
L = K + hold
V_ref, r_ref, spk_ref = np.empty(N), np.empty(N), []
for s in range(N):
    j = s % L
    if j < K - 1:
        V_ref[s], r_ref[s] = E_L + RI * (1 - a ** (j + 1)), 0.0
    elif j == K - 1:
        V_ref[s], r_ref[s] = E_L, t_ref
        spk_ref.append((s + 1) * dt)
    else:
        V_ref[s], r_ref[s] = E_L, t_ref - (j - K + 1) * dt
print(f"     P: spike every {L} steps (first after {K})")

for prec, name in ((1, "double"), (0, "float")):
    out = f"{work}/out{prec}"
    fdt = "<f8" if prec else "<f4"
    tol = 1e-9 if prec else 1e-3                   # float: rounding over 1000 steps
    run = json.load(open(f"{out}/run.json"))
    recs = {(r["population"], r["var"]): r for r in run["recordings"]}
    check(set(recs) == {("P", "V"), ("P", "refrac"), ("Q", "V")}, f"[{name}] run.json lists the three recordings")
    check(recs[("P", "V")]["every"] == 5 and recs[("P", "V")]["neurons"] == 3
          and recs[("Q", "V")]["every"] == 7 and recs[("Q", "V")]["neurons"] == 50,
          f"[{name}] run.json: every and neurons")
    for var, want in (("V", V_ref), ("refrac", r_ref)):
        r = np.load(f"{out}/P_{var}.npy")
        check(r.dtype == np.dtype([("t", "<f8"), ("v", fdt, (3,))]), f"[{name}] P_{var}.npy dtype {r.dtype}")
        steps = np.arange(0, N, 5)
        check(r.shape == (len(steps),) and np.allclose(r["t"], (steps + 1) * dt, rtol=0, atol=1e-9),
              f"[{name}] P_{var}: {len(steps)} records, after steps 0, 5, 10, ..., stamped (s + 1) dt")
        err = np.abs(r["v"] - want[steps][:, None]).max()
        check(err < tol, f"[{name}] P_{var}: equals the analytical trajectory (max |diff| {err:.2e})")
    s = np.load(f"{out}/spikes_P.npy")
    ok = all(np.allclose(np.sort(s["t"][s["i"] == i]), spk_ref, rtol=0, atol=1e-9) for i in range(10))
    check(ok and len(s) == 10 * len(spk_ref), f"[{name}] spikes of all 10 neurons at the analytical times "
                                              f"({len(spk_ref)} each)")
    q = np.load(f"{out}/Q_V.npy")
    steps = np.arange(0, N, 7)
    check(q.dtype == np.dtype([("t", "<f8"), ("v", fdt, (50,))]) and q.shape == (len(steps),)
          and np.allclose(q["t"], (steps + 1) * dt, rtol=0, atol=1e-9),
          f"[{name}] Q_V.npy: {len(steps)} records of all 50 neurons, after steps 0, 7, 14, ...")
    V_inf = E_L + R * 200.0
    V0 = q["v"][0].astype(float)
    want = V_inf + (V0 - V_inf)[None, :] * a ** steps[:, None]
    err = np.abs(q["v"] - want).max()
    check(err < tol, f"[{name}] Q_V: exponential relaxation to {V_inf} mV from the first record (max |diff| {err:.2e})")
    init = V_inf + (V0 - V_inf) / a
    check(init.min() > -70.0 and init.max() < -60.0 and len(np.unique(init)) == 50,
          f"[{name}] Q: initial V {init.min():.2f}..{init.max():.2f}, from uniform(-70, -60)")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
