#!/usr/bin/env bash
# Checkpoints of a model with a data set (issue 16; docs/run.md "Checkpoints", "Data sets"):
# a spike_source_dataset input (shuffled, several epochs), its label and example read by
# neurons and by synapse code (a synapse variable set on each spike): T steps + a checkpoint in
# the middle of an example, restored up to 2T = 2T steps, bitwise (the input's spikes, the
# recorded labels, examples and inputs, the spike counts); on 2 threads too, and with the
# checkpoint's run shorter than an example.  The spike lists are built for each run's
# duration: the restore sets the cursors for the checkpoint's step (snn_dataset_seek).
set -euo pipefail
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
source tests/lib/dsin.sh # dsin_build: the model m.lua, the data set ds/, the simulator b/
cd "$WORK"
dsin_build
run() { b/dsin --quiet --set datasets.In.file=ds --set datasets.In.order=shuffle \
    --set datasets.In.seed=17 --set datasets.In.example_steps=13 "$@"; }
# T = 43.5 ms = 87 steps (example 6, step 9 of 13); 2T = 174 steps = 2 epochs of 9 x 13
check() { # FULL FIRST SECOND
    $PY - "$@" <<'PY'
import json, sys
import numpy as np
full, first, second = sys.argv[1:4]
for f in ["spikes_In.npy", "P_L.npy", "P_X.npy", "P_C.npy", "Q_C.npy"]:
    x = np.load(f"{full}/{f}")
    y = np.concatenate([np.load(f"{first}/{f}"), np.load(f"{second}/{f}")])
    assert len(x) == len(y) and x.tobytes() == y.tobytes(), f"{f}: {len(x)} vs {len(y)} records differ"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
assert [p["spikes"] for p in r1["populations"]] == [p["spikes"] for p in r2["populations"]]
assert r2["run"]["restored_from"]["step"] > 0, r2["run"]
assert len(np.load(f"{full}/spikes_In.npy")) > 50
PY
}
for t in 1 2; do
    run --time 87 --output "full_t$t" --set threads=$t
    run --time 43.5 --output "a_t$t" --set threads=$t --set checkpoint.dir="ck_t$t" \
        --set checkpoint.at_end=true
    run --time 87 --output "b_t$t" --set threads=$t --restore "ck_t$t"
    check "full_t$t" "a_t$t" "b_t$t" || fail "threads=$t: the restored run differs"
    cmp full_t1/spikes_In.npy "full_t$t/spikes_In.npy" || fail "threads=$t: spikes"
done
ok "data set: T steps + checkpoint + restore to 2T = 2T steps, bitwise (1 and 2 threads)"
# a checkpoint after 5 steps (inside the first example), restored up to 2 epochs
run --time 2.5 --output a_short --set checkpoint.dir=ck_short --set checkpoint.at_end=true
run --time 87 --output b_short --restore ck_short
check full_t1 a_short b_short || fail "a checkpoint inside the first example: differs"
ok "data set: a checkpoint inside the first example restores bitwise"
