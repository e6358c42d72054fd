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
# layout.
set -euo pipefail
source tests/lib/mpi.sh
M=tests/cuda/syn_rng.lua
"$SNNCC" -q "$M" -o "$WORK/c"
"$SNNCC" -q --mpi "$M" -o "$WORK/m"
T=2
"$WORK/c/synrng" --time $T --quiet --output "$WORK/s3"
hi=$(( (1 << 32) + 3 ))
"$WORK/c/synrng" --time $T --quiet --output "$WORK/shi" --seed $hi
$PY - "$WORK/s3" 3 "$WORK/shi" $hi <<'PY'
import json, math, sys
import numpy as np
M32, M64 = 0xFFFFFFFF, (1 << 64) - 1

def philox(ctr, key):  # Philox4x32-10, Random123's constants
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & M32, p1 & M32, ((p0 >> 32) ^ c3 ^ k1) & M32, p0 & M32
    return [c0, c1, c2, c3]

def fmix64(x):
    x ^= x >> 33; x = (x * 0xFF51AFD7ED558CCD) & M64
    x ^= x >> 33; x = (x * 0xC4CEB9FE1A85EC53) & M64
    return x ^ (x >> 33)

def stream_id(name):  # FNV-1a, 32 bits
    h = 2166136261
    for ch in name.encode():
        h = ((h ^ ch) * 16777619) & M32
    return h

def words(seed, stream, pre, post, ordinal, step, lane=0):  # a synapse-keyed stream
    m = fmix64(seed)
    key = ((m & M32) ^ stream_id(stream), (m >> 32) ^ lane)
    draw = 0
    while True:
        yield from philox([(draw | ordinal << 16) & M32, pre, post, step & M32], key)
        draw += 1

def u53(g):  # snn_rng_uniform
    a, b = next(g) >> 5, next(g) >> 6
    x = (a << 26) | b
    return x / 2.0**53 if x else 2.0**-54

def check(out, seed):
    j = json.load(open(f"{out}/run.json"))
    assert j["run"]["rng"] == {"generator": "philox4x32-10", "version": 2}, j["run"]["rng"]
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
            g = words(seed, "synvar:P/c", i, t, o, 0)
            want = {"c": -1.0 + 2.0 * u53(g)}
            if s >= 1:  # the spikes of step s - 1 arrive in step s (delay 0.1 ms = 1 step)
                g = words(seed, "syn:P/on_pre", i, t, o, s)
                want["a"] = u53(g)
                want["b"] = u53(g)
                want["q"] = u53(words(seed, "syn:P/on_post", i, t, o, s))
            else:
                want.update(a=0.0, b=0.0, q=u53(words(seed, "syn:P/on_post", i, t, o, s)))
            want["d"] = -math.log(u53(words(seed, "syn:P/dynamics", i, t, o, s)))
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
