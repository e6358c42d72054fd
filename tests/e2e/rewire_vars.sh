#!/usr/bin/env bash
# Custom-update variables on a rewired projection (docs/language.md "Connectivity
# updates"): tests/e2e/rewire_vars/model.lua attaches two custom updates (Adam-like
# per-synapse state: a counter, a doubling value, a tag given by add.init, and a name two
# updates share, set as add.init "Acc2.m") to a projection that a connectivity update
# rewires every 10 steps, removing by a custom-update variable (s > 50) and adding with
# add.redraw.  check.py: every snapshot exactly what moving the variables with their
# synapse gives (ages, declared and add.init values, survivors unchanged, removals and
# additions as run.json counts them); bitwise the same for 2 and 3 threads and 2 MPI ranks.
# -D mode=1: the same with candidates = { ... } forming the new synapses (the candidates
# built-in moves and initialises the custom-update arrays alike), also 2 ranks x 2 threads.
set -euo pipefail
source tests/lib/mpi.sh
M=tests/e2e/rewire_vars/model.lua
cu() { $PY -c "import json, sys; print(json.load(open(sys.argv[1]))['connectivity_updates'][0])" "$1" | sed 's/.update_s.*.redrawn/ redrawn/'; }
"$SNNCC" -q "$M" -o "$WORK/c"
"$SNNCC" -q --mpi "$M" -o "$WORK/m"
"$WORK/c/rewire_vars" --time 100 --quiet --output "$WORK/ref"
$PY tests/e2e/rewire_vars/check.py "$WORK/ref" >/dev/null || fail "snapshots against the reference"
ok "custom-update variables move with their synapse; new synapses get add.init or declared values"
for t in 2 3; do
    "$WORK/c/rewire_vars" --time 100 --quiet --output "$WORK/t$t" --set threads=$t
    same_outputs "$WORK/ref" "$WORK/t$t" "$t threads"
    [ "$(cu "$WORK/ref/run.json")" = "$(cu "$WORK/t$t/run.json")" ] || fail "$t threads: counts differ"
done
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire_vars" --time 100 --quiet --output "$WORK/r2"
same_outputs "$WORK/ref" "$WORK/r2" "2 ranks"
[ "$(cu "$WORK/ref/run.json")" = "$(cu "$WORK/r2/run.json")" ] || fail "2 ranks: counts differ"
$PY tests/e2e/rewire_vars/check.py "$WORK/r2" >/dev/null || fail "2 ranks against the reference"
ok "2 ranks: the same synapses and values, redraws decided alike on both ranks"

"$SNNCC" -q -D mode=1 "$M" -o "$WORK/c1"
"$SNNCC" -q --mpi -D mode=1 "$M" -o "$WORK/m1"
"$WORK/c1/rewire_vars" --time 100 --quiet --output "$WORK/ref1"
$PY tests/e2e/rewire_vars/check.py "$WORK/ref1" >/dev/null || fail "candidates: snapshots against the reference"
ok "candidates: custom-update variables move with their synapse; formations get add.init or declared values"
"${MPIRUN[@]}" -np 2 "$WORK/m1/rewire_vars" --time 100 --quiet --output "$WORK/r1" --set threads=2
same_outputs "$WORK/ref1" "$WORK/r1" "candidates, 2 ranks x 2 threads"
