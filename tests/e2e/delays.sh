#!/usr/bin/env bash
# Per-synapse delays (dendritic delay rings) and a homogeneous delay, measured by the
# targets themselves: a source fires in step 100 (once, or in every step from then on),
# 2000 targets per projection take the spikes into a variable x (target = "x") and note
# the time t of the first step in which x > 0 (first = t in sim code).  With d the delay in
# steps, a spike of step n acts first in the update of step n + d (docs/language.md), so
#   d = first / dt - 100 must be a whole number, 1 <= d <= round(hi / dt), never 0;
#   with a spike in every step the final x is (449 - d - 100 + 1) w: no spike lost or
#     delivered twice when the ring wraps around, and each synapse keeps its own d;
#   the d follow the initialiser: uniform(0.5, 3) gives round(U / dt) in 5..30 (end bins
#     half as likely), normal_clipped gives the binned truncated normal, one with a lower
#     bound below dt stores such delays as one step (with a compile-time warning), and
#     uniform(0.5, 30) (two bytes per delay) reaches 300 steps; chi-square, p > 1e-4;
#   delay = 1.5 ms (homogeneous) arrives exactly 15 steps later, and so does the ring path
#     with uniform(1.5, 1.5);
#   three projections into one accumulator (two per-synapse delay ranges and a
#     homogeneous delay, weights 1, 1000 and 1e6 so that the final x decodes into the
#     three arrival counts) share one ring: every count and the first arrival agree;
#   per-synapse weights stay with their synapses: the same projection name and seed with
#     a homogeneous delay (a second model) gives each target's weight w_j, and with
#     uniform delays the final x of target j is (350 - d_j) w_j.
set -euo pipefail
cat >"$WORK/delays.lua" <<'LUA'
network { name = "delays", dt = 0.1, precision = "double", seed = 21 }
local once  = neuron { name = "once",  threshold = "t >= 10.0 && t < 10.05" }
local every = neuron { name = "every", threshold = "t >= 10.0" }
local S1 = population { "S1", once, 1 }
local S  = population { "S", every, 1 }
local tgt = neuron { name = "tgt", vars = { x = 0.0, first = -1.0 },
                     sim = "if (x > 0.0 && first < 0.0) { first = t; }" }
local N = 2000
local U1 = population { "U1", tgt, N }
local U  = population { "U", tgt, N }
local G  = population { "G", tgt, N }
local L  = population { "L", tgt, N }
local W  = population { "W", tgt, N }
local H  = population { "H", tgt, 10 }
local function proj(pre, post, delay, weight)
  projection { pre, post, conn = all_to_all(), weight = weight or 1.0, delay = delay,
               target = "x" }
end
proj(S1, U1, uniform(0.5, 3.0))
proj(S, U, uniform(0.5, 3.0))
proj(S, G, normal_clipped(1.0, 0.5, 0.3, 2.0), uniform(1.0, 2.0))
proj(S, L, normal_clipped(0.3, 0.5, 0.0, 1.0))
proj(S, W, uniform(0.5, 30.0))
proj(S, H, 1.5)
-- weights that must stay with their synapses when rows are reordered by delay
local K = population { "K", tgt, N }
local Z = population { "Z", tgt, N }
projection { S, K, name = "pw", conn = all_to_all(), weight = uniform(1.0, 2.0),
             delay = uniform(0.5, 3.0), target = "x" }
projection { S, Z, name = "pz", conn = all_to_all(), weight = uniform(1.0, 2.0),
             delay = uniform(1.5, 1.5), target = "x" }
-- three projections into one accumulator (one ring, as deep as the longest delay)
local M = population { "M", tgt, N }
projection { S, M, name = "m1", conn = all_to_all(), weight = 1.0,
             delay = uniform(0.5, 3.0), target = "x" }
projection { S, M, name = "m2", conn = all_to_all(), weight = 1000.0,
             delay = uniform(0.5, 30.0), target = "x" }
projection { S, M, name = "m3", conn = all_to_all(), weight = 1000000.0, delay = 2.0,
             target = "x" }
local r = { "first", "x", every = 449 }
record { U1 = r, U = r, G = r, L = r, W = r, H = r, K = r, Z = r, M = r,
         S1 = "spikes", S = "spikes" }
LUA
# the same weights (streams "weight:pw", "weight:pz") with homogeneous delays
cat >"$WORK/same_w.lua" <<'LUA'
network { name = "same_w", dt = 0.1, precision = "double", seed = 21 }
local every = neuron { name = "every", threshold = "t >= 10.0" }
local S = population { "S", every, 1 }
local tgt = neuron { name = "tgt", vars = { x = 0.0, first = -1.0 },
                     sim = "if (x > 0.0 && first < 0.0) { first = t; }" }
local K = population { "K", tgt, 2000 }
local Z = population { "Z", tgt, 2000 }
projection { S, K, name = "pw", conn = all_to_all(), weight = uniform(1.0, 2.0), delay = 1.0,
             target = "x" }
projection { S, Z, name = "pz", conn = all_to_all(), weight = uniform(1.0, 2.0), delay = 1.5,
             target = "x" }
record { K = { "x", every = 449 }, Z = { "x", every = 449 } }
LUA
"$SNNCC" "$WORK/delays.lua" -o "$WORK/sim" 2>"$WORK/snncc.err"
cat "$WORK/snncc.err"
# only the projection whose lower bound is below dt is warned about
grep -q "delays.lua:22: warning: projection 'S_to_L': delays below dt = 0.1 ms are possible" "$WORK/snncc.err"
[ "$(grep -c warning "$WORK/snncc.err")" -eq 1 ]
"$WORK/sim/delays" --time 45 --output "$WORK/out" --quiet
"$SNNCC" -q "$WORK/same_w.lua" -o "$WORK/same_w"
"$WORK/same_w/same_w" --time 45 --output "$WORK/out_w" --quiet
$PY - "$WORK/out" "$WORK/out_w" <<'PYEOF'
import math, sys
import numpy as np
out, out_w = sys.argv[1], sys.argv[2]
dt = 0.1
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


def chi2_sf(x, k):
    z = ((x / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


s1, s = np.load(f"{out}/spikes_S1.npy"), np.load(f"{out}/spikes_S.npy")
check(len(s1) == 1 and abs(s1["t"][0] - 10.1) < 1e-9, "S1 fires once, in step 100 (10.1 ms)")
check(len(s) == 350 and np.allclose(s["t"], (np.arange(100, 450) + 1) * dt),
      "S fires in every step from 100 on")


def delays(pop, hi_steps, once=False, w_range=(1.0, 1.0)):
    first = np.load(f"{out}/{pop}_first.npy")
    x = np.load(f"{out}/{pop}_x.npy")
    check(first.shape == (2,) and np.allclose(first["t"], [0.1, 45.0]), f"{pop}: records after steps 0 and 449")
    f, xe = first["v"][-1], x["v"][-1]
    check((f > 0).all(), f"{pop}: every target received the spike")
    d_real = f / dt - 100
    d = np.round(d_real).astype(int)
    check(np.abs(d_real - d).max() < 1e-6, f"{pop}: delays are whole numbers of steps")
    check(d.min() >= 1 and d.max() <= hi_steps,
          f"{pop}: delays {d.min()}..{d.max()} steps, within 1..{hi_steps}")
    if once:
        check(np.array_equal(xe, np.ones_like(xe)), f"{pop}: each target got the one spike exactly once")
    else:
        w = xe / (350 - d)
        ok = w_range[0] <= w.min() and w.max() <= w_range[1]
        if w_range[0] == w_range[1]:
            ok = np.array_equal(xe, (350 - d) * w_range[0])
        check(ok, f"{pop}: final x = (350 - d) w for every target (spikes from steps 100..449 - d)")
    return d


def chi2_check(pop, d, probs):
    ks = sorted(probs)
    obs = np.array([np.sum(d == k) for k in ks])
    exp_ = np.array([probs[k] for k in ks]) * len(d)
    check(obs.sum() == len(d), f"{pop}: no delay outside the expected values")
    chi2 = float(((obs - exp_) ** 2 / exp_).sum())
    p = chi2_sf(chi2, len(ks) - 1)
    check(p > 1e-4, f"{pop}: delay histogram matches, chi2 {chi2:.1f} on {len(ks) - 1} dof (p = {p:.3g})")


def uniform_probs(lo, hi):
    pr = {}
    for k in range(max(1, round(lo / dt)), round(hi / dt) + 1):
        a, b = max(lo, (k - 0.5) * dt), min(hi, (k + 0.5) * dt)
        if b > a:
            pr[k] = (b - a) / (hi - lo)
    return pr


Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))


def clipped_probs(mu, sd, lo, hi):
    Z = Phi((hi - mu) / sd) - Phi((lo - mu) / sd)
    pr = {}
    for k in range(0, round(hi / dt) + 1):
        a, b = max(lo, (k - 0.5) * dt), min(hi, (k + 0.5) * dt)
        if b > a:
            kk = max(k, 1)                                   # stored as at least one step
            pr[kk] = pr.get(kk, 0.0) + (Phi((b - mu) / sd) - Phi((a - mu) / sd)) / Z
    return pr


d = delays("U1", 30, once=True)
chi2_check("U1", d, uniform_probs(0.5, 3.0))
d = delays("U", 30)
chi2_check("U", d, uniform_probs(0.5, 3.0))
d = delays("G", 20, w_range=(1.0, 2.0))
chi2_check("G", d, clipped_probs(1.0, 0.5, 0.3, 2.0))
d = delays("L", 10)
check((d == 1).sum() > 0.1 * len(d), f"L: delays below dt stored as one step ({(d == 1).sum()} of {len(d)})")
chi2_check("L", d, clipped_probs(0.3, 0.5, 0.0, 1.0))
d = delays("W", 300)
check(d.max() > 255, f"W: delays beyond 255 steps survive (two-byte storage; longest {d.max()})")
edges = np.arange(5, 301, 25)
pr = uniform_probs(0.5, 30.0)
grp = {}
for k, p in pr.items():
    g = int(np.searchsorted(edges, k, side="right"))
    grp[g] = grp.get(g, 0.0) + p
chi2_check("W (grouped in 25 steps)", np.searchsorted(edges, d, side="right"), grp)
d = delays("H", 15)
check((d == 15).all(), "H: delay = 1.5 ms arrives exactly 15 steps later")

# each synapse keeps its own weight: the homogeneous-delay twin gives w_j = x_j / (350 - d)
w_K = np.load(f"{out_w}/K_x.npy")["v"][-1] / (350 - 10)
x_Z = np.load(f"{out_w}/Z_x.npy")["v"][-1]
check(w_K.min() > 1.0 and w_K.max() < 2.0 and len(np.unique(w_K)) == 2000, "twin: weights from uniform(1, 2)")
d = delays("K", 30, w_range=(1.0, 2.0))
xK = np.load(f"{out}/K_x.npy")["v"][-1]
err = np.abs(xK - (350 - d) * w_K).max()
check(err < 1e-9, f"K: every target's weight is the one its synapse has with a homogeneous delay "
                  f"(max |diff| {err:.2e}): weights move with the synapses sorted by delay")
d = delays("Z", 15, w_range=(1.0, 2.0))
check((d == 15).all() and np.array_equal(np.load(f"{out}/Z_x.npy")["v"][-1], x_Z),
      "Z: per-synapse delays that are all 15 steps act exactly like delay = 1.5")

# M: x = (350 - d1) + 1000 (350 - d2) + 1e6 (350 - 20); decode d1 and d2
first = np.load(f"{out}/M_first.npy")["v"][-1]
xM = np.load(f"{out}/M_x.npy")["v"][-1] - 1e6 * 330
n2 = np.floor(xM / 1000.0)
d1, d2 = 350 - (xM - 1000.0 * n2), 350 - n2
ok = (np.array_equal(d1, np.round(d1)) and d1.min() >= 5 and d1.max() <= 30
      and d2.min() >= 5 and d2.max() <= 300)
check(ok, f"M: three projections into one ring: each target got 350 - d spikes from each "
          f"(d1 {d1.min():.0f}..{d1.max():.0f}, d2 {d2.min():.0f}..{d2.max():.0f})")
dm = np.minimum(np.minimum(d1, d2), 20)
check(np.array_equal(np.round(first / dt - 100), dm), "M: the first arrival is the shortest of the three delays")
chi2_check("M (m1)", d1.astype(int), uniform_probs(0.5, 3.0))

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
