#!/usr/bin/env bash
# The Brunel (2000) network (g = 5, eta = 2, model C of Brunel's Fig. 8) against an
# independent reference: the same network in Brian2 2.5.1 (tests/reference/brunel_brian2.py,
# C++ standalone, exact integration) gives, over 200-1200 ms,
#   E: 37.4 Hz, CV(ISI) 0.42, Fano factor of 5 ms population counts 152
#   I: 37.5 Hz, CV(ISI) 0.42, Fano 33
# (the drive is suprathreshold on average, so firing is fairly regular and the population
# shows the fast oscillation Brunel describes).  snncc must match: rates within 10%,
# mean CV within 0.08, Fano factor within a factor of 2 (it fluctuates from seed to seed).
# run.json must agree with the spike files.
set -euo pipefail
"$SNNCC" -q models/brunel.lua -o "$WORK/brunel"
"$WORK/brunel/brunel" --time 1200 --output "$WORK/out" --quiet
$PY - "$WORK/out" <<'PYEOF'
import json, sys
import numpy as np
out = sys.argv[1]
run = json.load(open(f"{out}/run.json"))
assert run["status"] == "complete", run["status"]
sizes = {p["name"]: p["size"] for p in run["populations"]}
for pop in ("E", "I"):
    s = np.load(f"{out}/spikes_{pop}.npy")
    assert len(s) == [p for p in run["populations"] if p["name"] == pop][0]["spikes"]
    s = s[s["t"] > 200.0]
    n = sizes[pop]
    rate = len(s) / n / 1.0
    order = np.lexsort((s["t"], s["i"]))
    t, i = s["t"][order], s["i"][order]
    same = i[1:] == i[:-1]
    isi = np.diff(t)[same]
    ids = i[1:][same]
    cvs = []
    for k in np.unique(ids):
        x = isi[ids == k]
        if len(x) >= 5:
            cvs.append(x.std() / x.mean())
    cv = float(np.mean(cvs))
    counts, _ = np.histogram(s["t"], bins=np.arange(200.0, 1200.0 + 1e-9, 5.0))
    fano = counts.var() / counts.mean()
    print(f"{pop}: rate {rate:.2f} Hz, CV(ISI) {cv:.3f}, population Fano factor (5 ms) {fano:.2f}")
    ref_rate, ref_cv, ref_fano = {"E": (37.4, 0.42, 152.0), "I": (37.5, 0.42, 33.0)}[pop]
    assert abs(rate - ref_rate) < 0.1 * ref_rate, f"{pop} rate {rate}, reference {ref_rate}"
    assert abs(cv - ref_cv) < 0.08, f"{pop} CV {cv}, reference {ref_cv}"
    assert ref_fano / 2 < fano < ref_fano * 2, f"{pop} Fano {fano}, reference {ref_fano}"
PYEOF
