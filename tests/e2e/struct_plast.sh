#!/usr/bin/env bash
# Connectivity updates (connectivity_update{}, docs/language.md "Connectivity updates"):
# tests/e2e/struct_plast/rewire.lua rewires a 20 x 20 plastic projection every 10 steps.
#   - mode 0 (remove w < theta or with probability p, add 0-3 per row at drawn targets with
#     drawn weights): every snapshot of the synapses (pairs and weights) is exactly what a
#     NumPy reimplementation with the documented random numbers gives from the one before;
#     rows stay sorted, without a pair twice and within max_row_length (row_padding over
#     the built rows); run.json's removed / added / failed are its counts; on_post (c += 1)
#     counts exactly its target's spikes since the synapse was made, so the column views are
#     rebuilt after every update (tests/e2e/struct_plast/check.py);
#   - mode 1 (add.total = n_removed): synapses at the end = built - failed;
#   - mode 2 (mode 0 triggered by a custom-update group instead of 'every'): the same
#     outputs as mode 0; the run config's custom_updates.Rewire.every=20 halves the runs;
#   - a built row longer than max_row_length stops the run at start with a message
#     (checkpoints of rewired projections: checkpoint_rewire.sh);
#   - both bitwise the same (spikes, synapse recordings, counts, final checksum) for 2 and
#     3 threads, 2 MPI ranks (collective and point-to-point exchange: a source that gains
#     its first synapse on a rank must reach it) and 2 ranks x 2 threads.
set -euo pipefail
source tests/lib/mpi.sh
M=tests/e2e/struct_plast/rewire.lua
T=100
cu() { $PY -c "import json, sys; print(json.load(open(sys.argv[1]))['connectivity_updates'][0])" "$1"; }
for mode in 0 1; do
    "$SNNCC" -q -D mode=$mode "$M" -o "$WORK/c$mode"
    "$SNNCC" -q --mpi -D mode=$mode "$M" -o "$WORK/m$mode"
    ref="$WORK/ref$mode"
    "$WORK/c$mode/rewire" --time $T --quiet --output "$ref"
    for t in 2 3; do
        "$WORK/c$mode/rewire" --time $T --quiet --output "$WORK/t$t.$mode" --set threads=$t
        same_outputs "$ref" "$WORK/t$t.$mode" "mode $mode, $t threads"
        [ "$(cu "$ref/run.json" | sed 's/.update_s.*//')" = \
          "$(cu "$WORK/t$t.$mode/run.json" | sed 's/.update_s.*//')" ] ||
            fail "mode $mode, $t threads: connectivity_updates counts differ"
    done
    "${MPIRUN[@]}" -np 2 "$WORK/m$mode/rewire" --time $T --quiet --output "$WORK/r2.$mode"
    same_outputs "$ref" "$WORK/r2.$mode" "mode $mode, 2 ranks"
    "${MPIRUN[@]}" -np 2 "$WORK/m$mode/rewire" --time $T --quiet --output "$WORK/r2p.$mode" \
        --set exchange=p2p
    same_outputs "$ref" "$WORK/r2p.$mode" "mode $mode, 2 ranks, point-to-point exchange"
    "${MPIRUN[@]}" -np 2 "$WORK/m$mode/rewire" --time $T --quiet --output "$WORK/r22.$mode" \
        --set threads=2
    same_outputs "$ref" "$WORK/r22.$mode" "mode $mode, 2 ranks x 2 threads"
    [ "$(cu "$ref/run.json" | sed 's/.update_s.*//')" = \
      "$(cu "$WORK/r22.$mode/run.json" | sed 's/.update_s.*//')" ] ||
        fail "mode $mode, 2 ranks x 2 threads: connectivity_updates counts differ"
done
$PY tests/e2e/struct_plast/check.py "$WORK/ref0" 21 || fail "mode 0 against NumPy"
$PY - "$WORK/ref1/run.json" <<'PY' || fail "mode 1: the synapse count"
import json, sys
j = json.load(open(sys.argv[1]))
cu, pj = j["connectivity_updates"][0], j["projections"][0]
assert cu["removed"] > 0 and cu["added"] > 0, cu
assert cu["synapses"] == pj["synapses"] - cu["failed"], (cu, pj["synapses"])
assert cu["added"] + cu["failed"] == cu["removed"], cu
PY
ok "mode 1: additions = removals - failed; synapses at the end = built - failed"
"$SNNCC" -q -D cap=3 "$M" -o "$WORK/cap"
if "$WORK/cap/rewire" --time 1 --quiet --output "$WORK/capo" 2>"$WORK/cap.err"; then
    fail "max_row_length 3 below the built rows: the run must stop"
fi
grep -q "error: projection 'SE': source [0-9]* has [0-9]* synapses, more than its max_row_length 3 (connectivity update 'rw'); give a larger max_row_length" "$WORK/cap.err" ||
    fail "max_row_length: $(cat "$WORK/cap.err")"
ok "a built row longer than max_row_length: an error at start naming the projection and source"
"$SNNCC" -q -D mode=2 "$M" -o "$WORK/c2"
"$WORK/c2/rewire" --time $T --quiet --output "$WORK/g2"
same_outputs "$WORK/ref0" "$WORK/g2" "mode 2 (group) against mode 0 (every)"
"$WORK/c2/rewire" --time $T --quiet --output "$WORK/g20" --set custom_updates.Rewire.every=20
[ "$($PY -c "import json, sys; print(json.load(open(sys.argv[1]))['connectivity_updates'][0]['runs'])" "$WORK/g20/run.json")" = 50 ] ||
    fail "custom_updates.Rewire.every=20 must run the connectivity update 50 times"
ok "a custom-update group triggers the connectivity update; the run config reschedules it"
