#!/usr/bin/env bash
# bench/eprop_sparse.sh - `make bench-eprop-sparse`: the e-prop classifier
# (models/eprop_classifier.lua, bench/eprop_fmnist.sh) trained dense (p_in = p_rec = 1)
# and sparse (P_IN = P_REC = P, default 0.1, fixed_probability stored sparse) on the same
# Fashion-MNIST examples: KSN25's sparse-versus-dense training cost (issue 15).
# For each: instructions per training example (valgrind callgrind, 1 epoch of CG_N and
# 2 CG_N examples, the difference / CG_N: the set-up cancels), the training wall time per
# example and the user CPU time per example of the whole run (REPS runs in alternation
# dense, sparse, dense, ...; medians) and the test
# accuracy; then the ratios sparse/dense.  Not a test: figures, docs/performance.md
# "e-prop: sparse against dense".
#
#   N=1000 E=1 P=0.1 REPS=3 CG_N=10 bench/eprop_sparse.sh
#
# CALLGRIND=0 skips the instruction counts.  Other knobs as bench/eprop_fmnist.sh (HIDDEN,
# ALIF, RECURRENT, LR, THREADS, NTEST).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${N:-1000}
E=${E:-1}
P=${P:-0.1}
REPS=${REPS:-3}
CG_N=${CG_N:-10}
CALLGRIND=${CALLGRIND:-1}
PY=${PY:-/usr/bin/python3}
OUTD="$BUILD/bench-eprop-sparse"
mkdir -p "$OUTD"
: >"$OUTD/runs.txt"
echo "load before: $(uptime)"
run() { # run NAME P REP CALLGRIND
    OUT="$OUTD/$1" N=$N E=$E P_IN=$2 P_REC=$2 CALLGRIND=$4 CG_N=$CG_N \
        bench/eprop_fmnist.sh | tee "$OUTD/$1$3.txt"
    echo "$1 $3 $(sed -n 's/.*training wall time [0-9.]* s: \([0-9.]*\) ms per example.*/\1/p' \
        "$OUTD/$1$3.txt") $(sed -n 's/.*test accuracy \([0-9.]*\) .*/\1/p' "$OUTD/$1$3.txt") \
$(sed -n 's/.*user CPU of the whole run \([0-9.]*\) ms.*/\1/p' "$OUTD/$1$3.txt") \
$(sed -n 's/.*instructions per training example: \([0-9.e+]*\) .*/\1/p' "$OUTD/$1$3.txt")" \
        >>"$OUTD/runs.txt"
}
for r in $(seq 1 "$REPS"); do
    cg=0
    [ "$r" != 1 ] || cg=$CALLGRIND
    echo "== $r: dense"
    run dense 1 "$r" "$cg"
    echo "== $r: sparse p = $P"
    run sparse "$P" "$r" "$cg"
done
echo "load after: $(uptime)"
$PY - "$OUTD/runs.txt" "$N" "$E" "$P" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
n, e, p = sys.argv[2:5]
def med(who, k):
    v = [float(r[k]) for r in rows if r[0] == who and len(r) > k]
    return st.median(v) if v else None
print(f"e-prop Fashion-MNIST, dense against p_in = p_rec = {p}: {n} examples x {e} epochs, "
      f"medians of {len(rows) // 2} alternated pairs")
print(f"{'':8} {'ms/example':>11} {'CPU ms/ex':>10} {'test acc':>9} {'instr/example':>14}")
for who in ("dense", "sparse"):
    i = med(who, 5)
    print(f"{who:8} {med(who, 2):>11.3f} {med(who, 4):>10.3f} {med(who, 3):>9.4f} "
          f"{i if i is None else f'{i:.4g}':>14}")
i_d, i_s = med("dense", 5), med("sparse", 5)
print(f"sparse/dense: wall {med('sparse', 2) / med('dense', 2):.3f}, "
      f"CPU {med('sparse', 4) / med('dense', 4):.3f}, "
      f"accuracy {med('sparse', 3) - med('dense', 3):+.4f}"
      + (f", instructions {i_s / i_d:.3f} (dense/sparse {i_d / i_s:.2f}x)" if i_d and i_s else ""))
PY
