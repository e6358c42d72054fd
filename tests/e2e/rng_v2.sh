#!/usr/bin/env bash
# Random numbers v2 (docs/architecture.md "Random numbers"): synapse-keyed streams.
# tests/cuda/syn_rng.lua draws in on_pre (two uniforms), on_post (a uniform) and dynamics
# (an exponential) of every synapse in every step and initialises c = uniform(-1, 1); a
# NumPy Philox4x32-10 with the documented key and counter
#   key = (lo(M) ^ stream, hi(M) ^ lane), M = fmix64(seed);
#   counter = (draw | ordinal << 16, pre, post, step (initial values: the attempt, 0))
# gives exactly the recorded values, for two seeds that differ only in their high 32 bits
# (whose draws differ).  The multapses of a pair (ordinal 0, 1, ...) draw different numbers;
# the recordings are identical for 1, 2, 3 threads and 1, 2 MPI ranks; run.json names the
# layout (version 3: v2 plus the Poisson sources' shared blocks, e2e/current_sources.sh).
set -euo pipefail
source tests/lib/mpi.sh
M=tests/cuda/syn_rng.lua
"$SNNCC" -q "$M" -o "$WORK/c"
"$SNNCC" -q --mpi "$M" -o "$WORK/m"
T=2
"$WORK/c/synrng" --time $T --quiet --output "$WORK/s3"
hi=$(( (1 << 32) + 3 ))
"$WORK/c/synrng" --time $T --quiet --output "$WORK/shi" --seed $hi
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # snn_rng.py
$PY - "$WORK/s3" 3 "$WORK/shi" $hi <<'PY'
import json, math, sys
import numpy as np
from snn_rng import syn_words, u53  # tests/lib/snn_rng.py

def check(out, seed):
    j = json.load(open(f"{out}/run.json"))
    assert j["run"]["rng"] == {"generator": "philox4x32-10", "version": 3}, j["run"]["rng"]
    rec = {v: np.load(f"{out}/P_{v}.npy") for v in "abqdc"}
    n = j["projections"][0]["synapses"]
    steps = len(rec["a"]) // n
    assert steps == 20 and n == 48, (steps, n)
    multapses = 0
    for s in range(steps):
        snap = {v: r[s * n:(s + 1) * n] for v, r in rec.items()}
        pre, post = snap["a"]["pre"], snap["a"]["post"]
        for v in "bqdc":
            assert (snap[v]["pre"] == pre).all() and (snap[v]["post"] == post).all()
        ordinal = np.zeros(n, dtype=int)  # the row's order: multapses are recorded in it
        for k in range(1, n):
            if pre[k] == pre[k - 1] and post[k] == post[k - 1]:
                ordinal[k] = ordinal[k - 1] + 1
        for k in range(n):
            i, t, o = int(pre[k]), int(post[k]), int(ordinal[k])
            g = syn_words(seed, "synvar:P/c", i, t, 0, o)
            want = {"c": -1.0 + 2.0 * u53(g)}
            if s >= 1:  # the spikes of step s - 1 arrive in step s (delay 0.1 ms = 1 step)
                g = syn_words(seed, "syn:P/on_pre", i, t, s, o)
                want["a"] = u53(g)
                want["b"] = u53(g)
                want["q"] = u53(syn_words(seed, "syn:P/on_post", i, t, s, o))
            else:
                want.update(a=0.0, b=0.0, q=u53(syn_words(seed, "syn:P/on_post", i, t, s, o)))
            want["d"] = -math.log(u53(syn_words(seed, "syn:P/dynamics", i, t, s, o)))
            for v, w in want.items():
                got = snap[v]["v"][k]
                assert got == w, (out, s, v, i, t, o, got, w)
        if s == steps - 1:
            for k in range(1, n):
                if ordinal[k]:
                    multapses += 1
                    for v in "abqdc":
                        assert snap[v]["v"][k] != snap[v]["v"][k - 1], (v, k)
    assert multapses >= 5, multapses
    return rec, multapses

r3, m3 = check(sys.argv[1], int(sys.argv[2]))
rhi, mhi = check(sys.argv[3], int(sys.argv[4]))
for v in "abqdc":
    assert not np.intersect1d(r3[v]["v"][-48:], rhi[v]["v"][-48:]).size, v
print(f"NumPy Philox = the recorded draws for seeds 3 and 2^32 + 3 ({m3}, {mhi} multapses)")
PY
ok "synapse draws and initial values: the documented v2 key and counter, exactly"

for t in 2 3; do
    "$WORK/c/synrng" --time $T --quiet --output "$WORK/t$t" --set threads=$t
    same_outputs "$WORK/s3" "$WORK/t$t" "$t threads"
done
for np in 1 2; do
    "${MPIRUN[@]}" -np $np "$WORK/m/synrng" --time $T --quiet --output "$WORK/r$np"
    same_outputs "$WORK/s3" "$WORK/r$np" "$np rank(s)"
done
ok "identical for 1, 2, 3 threads and 1, 2 ranks"
