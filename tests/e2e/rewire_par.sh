#!/usr/bin/env bash
# Connectivity updates in parallel over the step threads (docs/parallel.md "Connectivity
# updates", "In parallel"): the candidate rows' draws, the removals, the formation decisions
# and the insertions with their column-view patches run as regions of the step threads;
# SNN_REWIRE_PAR_MIN=1 makes every region parallel however small the update.
#   - models/topographic_map.lua at scale 1, 20 times KSN25's rate (candidates.total, candidates.remove/add, a
#     column view for on_post): spikes, both projections' synapse snapshots (every 50 ms)
#     and run.json's counts bitwise the same on 1, 2 and 3 threads (threads = step_threads),
#     2 MPI ranks and 2 ranks x 2 threads;
#   - the same for tests/e2e/struct_plast/rewire.lua (a removal predicate, add.count and
#     add.target: the rows' targets drawn by rows split over the threads, inserted by
#     blocks), tests/e2e/rewire_vars/model.lua (add.redraw, custom-update arrays) and
#     tests/e2e/rewire_delays/model.lua mode 1 (per-synapse delays moved and drawn);
#   - the check can fail: built with -DSNN_RW_FAULT (each step thread but the first skips
#     the first thread block or row of its share) the map is still the same on one thread
#     but differs on two.
set -euo pipefail
source tests/lib/mpi.sh
export SNN_REWIRE_PAR_MIN=1
M=models/topographic_map.lua
D=(-D duration=0.3 -D snapshots=6 -D rewire_rate=20)
cu() { $PY -c "import json, sys; print([{k: v for k, v in c.items() if not k.endswith('_s')} for c in json.load(open(sys.argv[1]))['connectivity_updates']])" "$1"; }
same_counts() { [ "$(cu "$1/run.json")" = "$(cu "$2/run.json")" ] || fail "$3: connectivity_updates counts differ"; }
"$SNNCC" -q "${D[@]}" "$M" -o "$WORK/c"
"$SNNCC" -q --mpi "${D[@]}" "$M" -o "$WORK/m"
SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -DSNN_RW_FAULT" "$SNNCC" -q "${D[@]}" "$M" -o "$WORK/f"
run() { "$1/topographic_map" --time 300 --quiet --output "$2" "${@:3}"; }
run "$WORK/c" "$WORK/ref"
$PY - "$WORK/ref/run.json" <<'PY' || fail "topographic map: the updates must change the synapses"
import json, sys
cu = json.load(open(sys.argv[1]))["connectivity_updates"]
assert all(c["removed"] > 0 and c["added"] > 0 for c in cu), cu
PY
for t in 2 3; do
    run "$WORK/c" "$WORK/t$t" --set threads=$t --set step_threads=$t
    same_outputs "$WORK/ref" "$WORK/t$t" "topographic map, $t threads"
    same_counts "$WORK/ref" "$WORK/t$t" "topographic map, $t threads"
done
"${MPIRUN[@]}" -np 2 "$WORK/m/topographic_map" --time 300 --quiet --output "$WORK/r2"
same_outputs "$WORK/ref" "$WORK/r2" "topographic map, 2 ranks"
same_counts "$WORK/ref" "$WORK/r2" "topographic map, 2 ranks"
"${MPIRUN[@]}" -np 2 "$WORK/m/topographic_map" --time 300 --quiet --output "$WORK/r22" \
    --set threads=2 --set step_threads=2
same_outputs "$WORK/ref" "$WORK/r22" "topographic map, 2 ranks x 2 threads"
same_counts "$WORK/ref" "$WORK/r22" "topographic map, 2 ranks x 2 threads"
# the wrong split: the same on one thread, found on two
run "$WORK/f" "$WORK/f1"
same_outputs "$WORK/ref" "$WORK/f1" "wrong split, 1 thread (no split)"
run "$WORK/f" "$WORK/f2" --set threads=2 --set step_threads=2
if (same_outputs "$WORK/ref" "$WORK/f2" "wrong split" && same_counts "$WORK/ref" "$WORK/f2" \
        "wrong split") >/dev/null 2>&1; then
    fail "a wrong split of the rows and blocks over 2 step threads went unnoticed"
fi
ok "a wrong split over 2 step threads changes the result (the checks above can fail)"
# a removal predicate with add.count / add.target; add.redraw with custom-update arrays;
# per-synapse delays (new synapses' delays from the projection's initialiser)
for mt in struct_plast/rewire.lua:rewire:0 rewire_vars/model.lua:rewire_vars:0 \
          rewire_delays/model.lua:rewire_delays:1; do
    f=${mt%%:*} b=${mt#*:} mode=${b#*:} b=${b%%:*} d="$WORK/$b"
    "$SNNCC" -q -D mode="$mode" "tests/e2e/$f" -o "$d"
    "$d/$b" --time 100 --quiet --output "$d.ref"
    for t in 2 3; do
        "$d/$b" --time 100 --quiet --output "$d.t$t" --set threads=$t --set step_threads=$t
        same_outputs "$d.ref" "$d.t$t" "$f, $t threads"
        same_counts "$d.ref" "$d.t$t" "$f, $t threads"
    done
done
