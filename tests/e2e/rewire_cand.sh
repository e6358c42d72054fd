#!/usr/bin/env bash
# connectivity_update{ candidates = ... } (docs/language.md "Connectivity updates"): per row,
# distinct candidate targets drawn without replacement from the row's stream; connected
# candidates removed by candidates.remove, unconnected ones formed by candidates.add
# (all or none per row when they exceed its room).  tests/e2e/rewire_cand/cand.lua rewires
# a 20 x 24 plastic projection every 10 steps (mode 0: a drawn count per row and
# probabilities; mode 1: candidates.total spread over the rows, full rows):
#   - every snapshot (pairs, weights) and run.json's removed / added / failed are exactly
#     what a NumPy reimplementation with the documented random numbers gives
#     (tests/e2e/rewire_cand/check.py); rows sorted, no pair twice, within max_row_length;
#     on_post counts prove the column views are rebuilt;
#   - bitwise the same for 2 and 3 threads, 2 MPI ranks and 2 ranks x 2 threads.
set -euo pipefail
source tests/lib/mpi.sh
M=tests/e2e/rewire_cand/cand.lua
T=100
for mode in 0 1; do
    "$SNNCC" -q -D mode=$mode "$M" -o "$WORK/c$mode"
    "$SNNCC" -q --mpi -D mode=$mode "$M" -o "$WORK/m$mode"
    ref="$WORK/ref$mode"
    "$WORK/c$mode/cand" --time $T --quiet --output "$ref"
    $PY tests/e2e/rewire_cand/check.py "$ref" 33 $mode || fail "mode $mode against NumPy"
    ok "mode $mode: exact against NumPy"
    for t in 2 3; do
        "$WORK/c$mode/cand" --time $T --quiet --output "$WORK/t$t.$mode" --set threads=$t
        same_outputs "$ref" "$WORK/t$t.$mode" "mode $mode, $t threads"
    done
    "${MPIRUN[@]}" -np 2 "$WORK/m$mode/cand" --time $T --quiet --output "$WORK/r2.$mode"
    same_outputs "$ref" "$WORK/r2.$mode" "mode $mode, 2 ranks"
    "${MPIRUN[@]}" -np 2 "$WORK/m$mode/cand" --time $T --quiet --output "$WORK/r22.$mode" \
        --set threads=2
    same_outputs "$ref" "$WORK/r22.$mode" "mode $mode, 2 ranks x 2 threads"
    for o in "$WORK/t3.$mode" "$WORK/r22.$mode"; do
        $PY - "$ref/run.json" "$o/run.json" <<'PY' || fail "mode $mode: connectivity_updates counts differ ($o)"
import json, sys
a, b = ({k: v for k, v in json.load(open(p))["connectivity_updates"][0].items()
         if not k.endswith("_s")} for p in sys.argv[1:3])
assert a == b, (a, b)
PY
    done
    ok "mode $mode: connectivity_updates counts the same for 3 threads and 2 ranks x 2 threads"
done
