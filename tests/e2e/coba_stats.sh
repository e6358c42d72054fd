#!/usr/bin/env bash
# The COBA benchmark (Vogels & Abbott 2005 as Brette et al. 2007 benchmark 1,
# models/coba.lua), 2 s, for two seeds, against independent references:
#   ../shared/reference/coba.md quotes 17-22 Hz for Brian2, NEST and GeNN;
#   Brian2 2.5.1 on this machine (bench/peers/coba_brian2.py, C++ standalone, the same
#     equations) gives E and I rates of 20.2-20.8 Hz and a mean CV(ISI) of 1.77-1.79
#     (neurons with at least 5 ISIs after 100 ms).
# snncc gave (seeds 5489, 1, 2, 3, 4; 2 s): rates 18.6-20.5 Hz, CV 1.68-1.82.
# Required, for each seed and population, after 100 ms: rate between 15 and 25 Hz, mean
# CV(ISI) within 0.2 of 1.78 (the activity is irregular and bursty: a regular or a dying
# network fails), still active in the last 500 ms; run.json agrees with the spike files;
# each of the four projections has a synapse count within 5 sd of its binomial mean
# (p = 0.02); the two seeds give different spike trains.
set -euo pipefail
"$SNNCC" -q models/coba.lua -o "$WORK/coba"
"$WORK/coba/coba" --time 2000 --output "$WORK/s1" --quiet
"$WORK/coba/coba" --time 2000 --output "$WORK/s2" --quiet --seed 2
if cmp -s "$WORK/s1/spikes_E.npy" "$WORK/s2/spikes_E.npy"; then
    echo "two seeds gave the same spikes"
    exit 1
fi
$PY - "$WORK/s1" "$WORK/s2" <<'PYEOF'
import json, math, sys
import numpy as np
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


T = 2000.0
for out in sys.argv[1:]:
    run = json.load(open(f"{out}/run.json"))
    seed = run["run"]["seed"]
    check(run["status"] == "complete", f"seed {seed}: run complete")
    sizes = {p["name"]: p["size"] for p in run["populations"]}
    for p in run["projections"]:
        n = sizes[p["pre"]] * sizes[p["post"]]
        mean, sd = 0.02 * n, math.sqrt(n * 0.02 * 0.98)
        check(abs(p["synapses"] - mean) < 5 * sd,
              f"seed {seed}: {p['name']} has {p['synapses']} synapses, binomial {mean:.0f} +- {sd:.0f}")
    for pop in ("E", "I"):
        s = np.load(f"{out}/spikes_{pop}.npy")
        n = sizes[pop]
        check(len(s) == [p for p in run["populations"] if p["name"] == pop][0]["spikes"],
              f"seed {seed}: run.json spike count of {pop} = spike file")
        late = (s["t"] > T - 500).sum() / n / 0.5
        s = s[s["t"] > 100.0]
        rate = len(s) / n / ((T - 100.0) / 1000.0)
        o = np.lexsort((s["t"], s["i"]))
        t, i = s["t"][o], s["i"][o]
        same = i[1:] == i[:-1]
        isi, ids = np.diff(t)[same], i[1:][same]
        cvs = [x.std() / x.mean() for k in np.unique(ids) for x in [isi[ids == k]] if len(x) >= 5]
        cv = float(np.mean(cvs))
        check(15.0 < rate < 25.0, f"seed {seed}: {pop} rate {rate:.2f} Hz (15-25; Brian2 20.2-20.8)")
        check(abs(cv - 1.78) < 0.2, f"seed {seed}: {pop} mean CV(ISI) {cv:.3f} over {len(cvs)} neurons "
                                    f"(Brian2 1.77-1.79)")
        check(late > 10.0, f"seed {seed}: {pop} still active at the end ({late:.1f} Hz in the last 500 ms)")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
