#!/usr/bin/env bash
# Checkpoints of a rewired projection (issue 16; docs/run.md "Checkpoints"): the model of
# struct_plast.sh (tests/e2e/struct_plast/rewire.lua, mode 0: weak and random synapses
# removed, 0-3 added per row every 10 steps, on_post counting each synapse's target spikes,
# so the column views must follow the restored rows).  The rows (each source's targets),
# the weights and synapse variables and the update's counters are stored:
#   - T steps with a checkpoint at the end + --restore to 2T = 2T steps: spikes, the
#     synapse snapshots (pairs, w, c), the counts, final checksum and run.json's
#     connectivity_updates counters bitwise; restored on 1, 2 and 3 threads from 1 and 2;
#   - checkpoint.every_steps (step 999, between two updates) and SIGTERM mid-run;
#   - 2 MPI ranks restored on 2 ranks, on 1 and on 3, and a one-process checkpoint on 2
#     ranks (the rows re-partitioned by target).
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/ckpt_signal.sh # sigterm_checkpoint
source tests/lib/ckpt_piece.sh # ckpt_has, ckpt_poke
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export SNN_HEARTBEAT_S=0.2
M=tests/e2e/struct_plast/rewire.lua
"$SNNCC" -q -D mode=0 "$M" -o "$WORK/c"
"$SNNCC" -q --mpi -D mode=0 "$M" -o "$WORK/m"
sim="$WORK/c/rewire"

# concat FULL FIRST SECOND T_MS: FIRST's spikes (or .part) followed by SECOND's equal FULL's
# (FIRST "-": FULL's after T_MS are SECOND's);
# FULL's synapse snapshots after T_MS are SECOND's and those up to T_MS are FIRST's (but for
# its end-of-run snapshot at the checkpoint, unless an 'every' step); counts, checksums
# and the connectivity update's counters of SECOND equal FULL's.
concat() {
    $PY - "$@" <<'PY'
import json, os, sys
import numpy as np
full, first, second, T = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def load(d, f):
    p = f"{d}/{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
x = load(full, "spikes_E.npy")
if first == "-":
    x, y = x[x["t"] > T + 1e-9], load(second, "spikes_E.npy")
else:
    y = np.concatenate([load(first, "spikes_E.npy"), load(second, "spikes_E.npy")])
assert x.tobytes() == y.tobytes(), f"spikes: {len(x)} vs {len(y)}"
for f in ["SE_w.npy", "SE_c.npy"]:
    x, b = load(full, f), load(second, f)
    assert len(b) and b["t"].min() > T + 1e-9, f"{f}: the restored run's snapshots start at {b['t'].min()}"
    assert x[x["t"] > T + 1e-9].tobytes() == b.tobytes(), f"{f}: snapshots after {T} ms differ"
    if first != "-":
        a = load(first, f)
        # the first run's end-of-run snapshot (at the checkpoint), unless a periodic one
        # (every 10 steps: after step s with s % 10 == 0) falls there
        end_snap = (round(T / 0.1) - 1) % 10 != 0 and abs(a["t"][-1] - T) < 1e-9
        keep = a[a["t"] < a["t"][-1]] if end_snap else a
        assert x[x["t"] <= T + 1e-9].tobytes() == keep.tobytes(), f"{f}: before {T} ms"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
assert [p["spikes"] for p in r1["populations"]] == [p["spikes"] for p in r2["populations"]]
p1, p2 = r1["projections"][0], r2["projections"][0]
assert p1["final_checksum"] == p2["final_checksum"], (p1, p2)
c1, c2 = r1["connectivity_updates"][0], r2["connectivity_updates"][0]
for k in ("runs", "removed", "added", "failed", "synapses"):
    assert c1[k] == c2[k], (k, c1, c2)
assert c1["removed"] > 0 and c1["added"] > 0, c1
assert r2["status"] == "complete" and r2["run"]["restored_from"]["step"] > 0, r2["run"]
PY
}

"$sim" --time 100 --quiet --output "$WORK/full"
for t in 1 2; do
    "$sim" --time 50 --quiet --output "$WORK/a_t$t" --set threads=$t \
        --set checkpoint.dir="$WORK/ck_t$t" --set checkpoint.at_end=true
    ckpt_has "$WORK/ck_t$t" rank0/snn_syn_SE.rows || fail "no rows in the checkpoint"
    for u in 1 2 3; do
        "$sim" --time 100 --quiet --output "$WORK/b_t${t}_$u" --set threads=$u \
            --restore "$WORK/ck_t$t"
        concat "$WORK/full" "$WORK/a_t$t" "$WORK/b_t${t}_$u" 50 ||
            fail "threads $t -> $u: restored run differs"
    done
done
ok "rewired rows: T steps + checkpoint + restore = 2T steps, bitwise (threads 1, 2 -> 1, 2, 3)"

"$sim" --time 100 --quiet --output "$WORK/ev_a" --set checkpoint.dir="$WORK/ck_ev" \
    --set checkpoint.every_steps=333
grep -q '"step": 999,' "$WORK/ck_ev/manifest.json" || fail "every_steps: not the checkpoint of step 999"
"$sim" --time 150 --quiet --output "$WORK/ev_full"
"$sim" --time 150 --quiet --output "$WORK/ev_b" --restore "$WORK/ck_ev" --set threads=2
concat "$WORK/ev_full" - "$WORK/ev_b" 99.9 || fail "every_steps: restored run differs"
ok "rewired rows: checkpoint.every_steps (step 999, between two updates) restores"

d="$WORK/sig"
sigterm_checkpoint "$sim" "$d" # sets T
end=$($PY -c "print(($T + 500) / 10)")
"$sim" --time "$end" --quiet --output "$WORK/sig_full"
"$sim" --time "$end" --quiet --output "$WORK/sig_b" --restore "$d.ck"
concat "$WORK/sig_full" "$d" "$WORK/sig_b" "$($PY -c "print($T / 10)")" ||
    fail "SIGTERM at step $T: restored run differs"
ok "rewired rows: SIGTERM at step $T, restored = uninterrupted"

"${MPIRUN[@]}" -np 2 "$WORK/m/rewire" --time 100 --quiet --output "$WORK/r2_full"
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire" --time 50 --quiet --output "$WORK/r2_a" \
    --set checkpoint.dir="$WORK/ck_r2" --set checkpoint.at_end=true
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire" --time 100 --quiet --output "$WORK/r2_b" \
    --restore "$WORK/ck_r2"
concat "$WORK/r2_full" "$WORK/r2_a" "$WORK/r2_b" 50 || fail "2 ranks: restored run differs"
concat "$WORK/full" "$WORK/r2_a" "$WORK/r2_b" 50 || fail "2 ranks: differs from one process"
# another number of ranks: the rows re-partitioned by target (2 -> 1, 2 -> 3, one process
# -> 2)
"$WORK/m/rewire" --time 100 --quiet --output "$WORK/r1_b" --restore "$WORK/ck_r2"
concat "$WORK/full" "$WORK/r2_a" "$WORK/r1_b" 50 || fail "2 ranks -> 1: restored run differs"
"${MPIRUN[@]}" -np 3 --oversubscribe "$WORK/m/rewire" --time 100 --quiet --output "$WORK/r3_b" \
    --restore "$WORK/ck_r2"
concat "$WORK/full" "$WORK/r2_a" "$WORK/r3_b" 50 || fail "2 ranks -> 3: restored run differs"
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire" --time 100 --quiet --output "$WORK/r12_b" \
    --restore "$WORK/ck_t1"
concat "$WORK/full" "$WORK/a_t1" "$WORK/r12_b" 50 || fail "one process -> 2 ranks: restored run differs"
ok "rewired rows on 2 MPI ranks: restored on 2 = uninterrupted; on 1, on 3, and one process's on 2"
