#!/usr/bin/env bash
# models/topographic_map.lua (Bamford et al. 2010 as KSN25; connectivity_update{
# candidates = ... }) at scale 1, short runs; tools/topomap_metrics.py computes the metrics
# from the synapse snapshots (docs/topographic_map.md).
# 1. The rule's rates against the analytic two-state chain of every pair: with STDP off
#    (g stays 0.2 >= 0.1, so a connected candidate goes with p_pot = 0.0068) and KSN25's
#    rate (10 candidates per ms, so a pair is a candidate with c = 10 / 256^2 per update),
#    a pair connected with x0 at the start is connected after t updates with
#    P_t = P* + (x0 - P*) (1 - c (p_form + p_pot))^t, P* = p_form / (p_form + p_pot) the
#    fixed point, p_form = p exp(-d^2 / 2 sigma^2).  Over 10 s (10,000 updates), both
#    projections: the formations and eliminations (run.json added / removed) within 4
#    Poisson sd of their sums over the pairs and updates, and the synapses at the end per
#    distance bin (d^2) within 4 sd of sum P_t (chi-square per bin < 4^2 on average).
# 2. With STDP and 10 times the rate (10 s, snapshots every 100 ms), the feed-forward map
#    refines: rms displacement from the ideal map down by > 0.1 grid units from 3.53,
#    connection probability at displacement <= 1 more than doubled; eliminations are
#    dominated by weak synapses (g < 0.1): share > 0.6 as the snapshots see it (an
#    underestimate), > 0.9 as the rule's strong-synapse exposure implies.
# 3. Without rewiring (-D rewire=0) the same metrics stay exactly at their initial values.
# 4. Invariants of every snapshot: rows within max_row_length 64, no pair twice, rows in
#    (pre, post) order; run.json's counts add up (synapses = built + added - removed).
set -euo pipefail
M=models/topographic_map.lua
"$SNNCC" -q -D duration=10 -D stdp=0 -D snapshots=1 "$M" -o "$WORK/cs"
"$WORK/cs/topographic_map" --time 10000 --quiet --output "$WORK/os"
$PY - "$WORK/os" <<'PY'
import json, sys
import numpy as np
o = sys.argv[1]
j = json.load(open(f"{o}/run.json"))
n, N = 16, 256
x = np.arange(N)
dx = np.abs(x[:, None] % n - x[None, :] % n); dx = np.minimum(dx, n - dx)
dy = np.abs(x[:, None] // n - x[None, :] // n); dy = np.minimum(dy, n - dy)
d2 = dx * dx + dy * dy
cu = {c["projection"]: c for c in j["connectivity_updates"]}
for proj, p, sigma in (("ff", 0.16, 2.5), ("lat", 1.0, 1.0)):
    g = np.load(f"{o}/{proj}_g.npy")
    t0, t1 = g["t"].min(), g["t"].max()
    first, last = g[g["t"] == t0], g[g["t"] == t1]
    assert (first["v"] == 0.2).all() and (last["v"] == 0.2).all(), "stdp=0 keeps g = 0.2"
    x0 = np.zeros((N, N)); x0[first["pre"], first["post"]] = 1
    xT = np.zeros((N, N)); xT[last["pre"], last["post"]] = 1
    T = cu[proj]["runs"]
    assert T == 10000 and cu[proj]["failed"] == 0, cu[proj]
    c = 10.0 / (N * N)
    pf = p * np.exp(-d2 / (2 * sigma * sigma)); pe = 0.000136 * 50
    lam = c * (pf + pe); a = 1 - lam; Ps = pf / (pf + pe)
    geo = (1 - a ** T) / lam                      # sum over t < T of a^t
    e_form = (c * pf * (T * (1 - Ps) - (x0 - Ps) * geo)).sum()
    e_elim = (c * pe * (T * Ps + (x0 - Ps) * geo)).sum()
    PT = Ps + (x0 - Ps) * a ** T
    for what, obs, exp in (("formations", cu[proj]["added"], e_form),
                           ("eliminations", cu[proj]["removed"], e_elim)):
        z = (obs - exp) / np.sqrt(exp)
        print(f"{proj} {what}: {obs} against {exp:.1f} expected (z = {z:+.2f})")
        assert abs(z) < 4, (proj, what, obs, exp)
    chi = []
    for v in np.unique(d2):
        sel = d2 == v
        e = PT[sel].sum(); var = (PT[sel] * (1 - PT[sel])).sum()
        if var > 1:
            chi.append((xT[sel].sum() - e) ** 2 / var)
    print(f"{proj} synapses at the end per distance: {len(chi)} bins, mean chi^2 {np.mean(chi):.2f}, "
          f"max {np.max(chi):.2f}; {int(xT.sum())} synapses, {PT.sum():.1f} expected "
          f"(fixed point {Ps.sum():.1f})")
    assert np.mean(chi) < 4 and np.max(chi) < 25, (proj, chi)
PY
for rw in 1 0; do
    "$SNNCC" -q -D duration=10 -D rewire_rate=10 -D snapshots=100 -D rewire=$rw "$M" -o "$WORK/c$rw"
    "$WORK/c$rw/topographic_map" --time 10000 --quiet --output "$WORK/o$rw"
    $PY tools/topomap_metrics.py "$WORK/o$rw" --candidates 100 --json "$WORK/m$rw.json" > "$WORK/m$rw.txt"
done
$PY - "$WORK" <<'PY'
import json, sys
import numpy as np
w = sys.argv[1]
m1, m0 = (json.load(open(f"{w}/m{k}.json")) for k in (1, 0))
on, off = m1["ff"], m0["ff"]
a, b = on[0], on[-1]
assert b["t"] == 10000.0, [m["t"] for m in on]
assert b["rms_d"] < a["rms_d"] - 0.1, ("rms displacement", a["rms_d"], b["rms_d"])
assert b["p_center"] > 2 * a["p_center"], ("central probability", a["p_center"], b["p_center"])
for proj in ("ff", "lat"):
    tot = m1[proj + "_total"]
    print(f"{proj}: {tot['eliminated']} eliminations, weak share {tot['weak_elim']:.3f} (snapshots), "
          f"{tot['weak_elim_rule']:.3f} (rule)")
    assert tot["eliminated"] > 100 and tot["weak_elim"] > 0.6 and tot["weak_elim_rule"] > 0.9, (proj, tot)
for m in off:
    for k in ("rms_d", "p_center", "synapses"):
        assert m[k] == off[0][k], ("rewire=0", k, m[k], off[0][k])
assert m0["ff_total"]["eliminated"] == 0 and m0["ff_total"]["formed"] == 0
assert off[0]["rms_d"] == a["rms_d"], "the same initial connectivity"
print(f"ff rms_d {a['rms_d']:.3f} -> {b['rms_d']:.3f}, p_center {a['p_center']:.3f} -> "
      f"{b['p_center']:.3f}; without rewiring {off[-1]['rms_d']:.3f}, {off[-1]['p_center']:.3f}")
j = json.load(open(f"{w}/o1/run.json"))
for cu in j["connectivity_updates"]:
    proj = cu["projection"]
    assert cu["runs"] == 10000 and cu["max_row_length"] == 64, cu
    assert cu["removed"] > 0 and cu["added"] > 0, cu
    g = np.load(f"{w}/o1/{proj}_g.npy")
    for t in sorted(set(g["t"])):
        s = g[g["t"] == t]
        assert np.bincount(s["pre"]).max() <= 64, (proj, t, "row over capacity")
        pairs = list(zip(s["pre"].tolist(), s["post"].tolist()))
        assert len(set(pairs)) == len(pairs), (proj, t, "a pair twice")
        assert pairs == sorted(pairs), (proj, t, "not in (pre, post) order")
    first = g[g["t"] == g["t"].min()]
    last = g[g["t"] == g["t"].max()]
    assert len(last) == cu["synapses"] == len(first) + cu["added"] - cu["removed"], (proj, cu, len(first))
    assert ((last["v"] >= 0) & (last["v"] <= 0.2)).all(), (proj, "g outside [0, g_max]")
print("invariants: ok")
PY
echo "ok   topographic map: rule rates as the pairs' two-state chain; refines with structural plasticity, not without; weak eliminations; invariants hold"
