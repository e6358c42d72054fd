#!/usr/bin/env bash
# poisson() of a constant in neuron code (lower.c "poisson(lambda) in a code string with a
# lambda of numbers only"): the C back end counts from integer thresholds filled once in
# model_build (snn_rng_poisson_table) instead of snn_rng_poisson's double CDF walk, and
# must give the same draws bit for bit.  The neuron draws c = poisson(lam) and then
# u = uniform() (the stream must go on after the count's word); populations with lam 2.3,
# 0.05, 9.9 (tables), 12 (from 10: snn_rng_poisson itself), 0 and -1 (no word drawn).
#   - with lam a runtime parameter (a name in the code: snn_rng_poisson) the recordings
#     are identical to the constant's, in double and float precision, on 1 and 3 threads;
#   - the generated C calls snn_rng_poisson_table for every constant lam (it falls back
#     to snn_rng_poisson outside 0 < lam < 10) and never for the runtime parameter; the
#     CUDA back end's sources (emitted only) never;
#   - double precision, lam 2.3, 0 and -1: every c and u of 500 neurons in the first 100
#     steps (of 400) equals NumPy's (neuron-keyed Philox stream "neuron:<pop>",
#     tests/lib/snn_rng.py; the count #{ j : (w + 0.5) 2^-32 > cdf_j } from word 0, u from
#     the next two words); the mean count of all 400 steps is lam's.
set -euo pipefail
cat >"$WORK/pc.lua" <<'LUA'
network { name = "pc", dt = 0.1, seed = (1 << 32) + 11,
          precision = param("dbl", 1) == 1 and "double" or "float" }
local rt = param("rt", 0) == 1 and { "lam" } or nil
local draw = neuron { name = "draw", params = { lam = 1.0 }, vars = { c = 0.0, u = 0.0 },
                      sim = "c = poisson(lam); u = uniform();" }
for _, p in ipairs { { "A", 2.3 }, { "B", 0.05 }, { "C", 9.9 }, { "D", 12.0 }, { "Z", 0.0 },
                     { "N", -1.0 } } do
    population { p[1], draw { lam = p[2] }, 500, runtime = rt }
end
record { A = { "c", "u" }, B = { "c", "u" }, C = { "c", "u" }, D = { "c", "u" }, Z = { "c", "u" },
         N = { "c", "u" } }
LUA
pops="A B C D Z N"
for dbl in 1 0; do
    for rt in 0 1; do
        d="$WORK/s$dbl$rt"
        "$SNNCC" -q -k -D dbl=$dbl -D rt=$rt "$WORK/pc.lua" -o "$d"
        for t in 1 3; do
            "$d/pc" --time 40 --quiet --output "$d/o$t" --set threads=$t
        done
    done
    n=$(grep -c 'snn_rng_poisson_table(&snn_rng_st' "$WORK/s${dbl}0/pc.c")
    [ "$n" = 6 ] || { echo "precision $dbl: $n populations take the tables (want 6)"; exit 1; }
    if grep -q 'snn_rng_poisson_table(&snn_rng_st' "$WORK/s${dbl}1/pc.c"; then
        echo "precision $dbl: a runtime lam takes the tables"
        exit 1
    fi
    for p in $pops; do
        for v in c u; do
            f="${p}_$v.npy"
            for t in 1 3; do
                cmp "$WORK/s${dbl}0/o1/$f" "$WORK/s${dbl}0/o$t/$f"
                cmp "$WORK/s${dbl}0/o$t/$f" "$WORK/s${dbl}1/o$t/$f" ||
                    { echo "precision $dbl, $t threads: $f differs between the tables and snn_rng_poisson"; exit 1; }
            done
        done
    done
done
"$SNNCC" -q -S -b cuda "$WORK/pc.lua" -o "$WORK/cu"
if grep -q 'snn_rng_poisson_table\|snn_ptab' "$WORK/cu/pc.c" "$WORK/cu/pc.cu"; then
    echo "the CUDA back end's sources take the tables"
    exit 1
fi
grep -q 'snn_rng_poisson(&snn_rng_st' "$WORK/cu/pc.cu"
echo "tables and snn_rng_poisson: identical recordings (double, float; 1, 3 threads)"
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # snn_rng.py
$PY - "$WORK/s10/o1" <<'PY'
import math, sys
import numpy as np
from snn_rng import neuron_words, u53  # tests/lib/snn_rng.py

out, seed = sys.argv[1], (1 << 32) + 11
for pop, lam in (("A", 2.3), ("Z", 0.0), ("N", -1.0)):
    c = np.load(f"{out}/{pop}_c.npy")["v"]
    u = np.load(f"{out}/{pop}_u.npy")["v"]
    steps, n = c.shape
    assert (steps, n) == (400, 500), c.shape
    bad, checked = 0, 100  # steps checked exactly (pure Python: ~50,000 draws a second)
    for s in range(checked):
        for e in range(n):
            g = neuron_words(seed, f"neuron:{pop}", e, s)
            k = 0
            if lam > 0:
                x = (next(g) + 0.5) * 2.3283064365386963e-10
                p = math.exp(-lam)
                cdf = p
                for j in range(1, int(lam + 10.0 * math.sqrt(lam) + 10.0) + 1):
                    k += x > cdf
                    p *= lam / j
                    cdf += p
            bad += (c[s, e] != k) + (u[s, e] != u53(g))
    print(f"{pop}: lam {lam}, {checked * n} counts and uniforms, {bad} differ from NumPy's")
    assert bad == 0
    if lam > 0:
        assert abs(c.mean() - lam) < 5 * math.sqrt(lam / c.size), c.mean()
PY
