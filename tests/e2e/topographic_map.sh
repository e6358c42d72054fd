#!/usr/bin/env bash
# models/topographic_map.lua (Bamford et al. 2010 as KSN25; connectivity_update{
# candidates = ... }) reduced to 10 s of model time at scale 1, with 10 times KSN25's
# rewiring rate so that the connectivity refines within the run; tools/topomap_metrics.py
# computes the metrics from the synapse snapshots:
#   - with structural plasticity the feed-forward connection profile narrows (rms
#     displacement from the ideal map down by > 0.1 grid units from 3.53) and concentrates
#     (connection probability at displacement <= 1 more than doubles);
#   - without it (-D rewire=0) the same metrics stay exactly at their initial values;
#   - invariants of every snapshot: rows within max_row_length 64, no pair twice, rows in
#     (pre, post) order; run.json's counts add up (synapses = built + added - removed).
set -euo pipefail
M=models/topographic_map.lua
for rw in 1 0; do
    "$SNNCC" -q -D duration=10 -D rewire_rate=10 -D snapshots=2 -D rewire=$rw "$M" -o "$WORK/c$rw"
    "$WORK/c$rw/topographic_map" --time 10000 --quiet --output "$WORK/o$rw"
    $PY tools/topomap_metrics.py "$WORK/o$rw" --json "$WORK/m$rw.json"
done
$PY - "$WORK" <<'PY'
import json, sys
import numpy as np
w = sys.argv[1]
on, off = (json.load(open(f"{w}/m{k}.json"))["ff"] for k in (1, 0))
a, b = on[0], on[-1]
assert len(on) == 3 and b["t"] == 10000.0, [m["t"] for m in on]
assert b["rms_d"] < a["rms_d"] - 0.1, ("rms displacement", a["rms_d"], b["rms_d"])
assert b["p_center"] > 2 * a["p_center"], ("central probability", a["p_center"], b["p_center"])
for m in off:
    for k in ("rms_d", "p_center", "synapses"):
        assert m[k] == off[0][k], ("rewire=0", k, m[k], off[0][k])
assert off[0]["rms_d"] == a["rms_d"], "the same initial connectivity"
print(f"ff rms_d {a['rms_d']:.3f} -> {b['rms_d']:.3f}, p_center {a['p_center']:.3f} -> "
      f"{b['p_center']:.3f}; without rewiring {off[-1]['rms_d']:.3f}, {off[-1]['p_center']:.3f}")
j = json.load(open(f"{w}/o1/run.json"))
built = {p["name"]: p["synapses"] for p in j["projections"]}
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
echo "ok   topographic map refines with structural plasticity, not without; invariants hold"
