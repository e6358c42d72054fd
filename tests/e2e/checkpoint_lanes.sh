#!/usr/bin/env bash
# Checkpoints of a batched model (issue 16; docs/run.md "Checkpoints"): the batch model of
# batch.sh (random draws in neuron and synapse code, noise and poisson current sources,
# plastic weights and synapse variables per lane, pre/post traces) with 4 lanes.  Every
# lane's state is stored (lane b >= 1's files "lane<b>.<piece>.bin") and restored:
#   - T steps with a checkpoint at the end + --restore to 2T = 2T steps, every lane's spike
#     and state recordings concatenated bitwise, per-lane spike counts and final synapse
#     checksums equal; on 1 and 2 threads, and a checkpoint of 2 threads restored on 1;
#   - checkpoint.every_steps and SIGTERM mid-run: restored, the same as the uninterrupted run;
#   - a restore with another batch or lane_offset is refused, naming both.
set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export SNN_HEARTBEAT_S=0.2
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
source tests/lib/batch_model.sh # batch_model; concat FULL FIRST SECOND [T_MS]
source tests/lib/ckpt_signal.sh # sigterm_checkpoint
source tests/lib/ckpt_piece.sh # ckpt_has, ckpt_poke
batch_model 4 >"$WORK/m.lua"
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
sim="$WORK/sim/bt"

"$sim" --time 100 --quiet --output "$WORK/full"
for t in 1 2; do
    "$sim" --time 50 --quiet --output "$WORK/a_t$t" --set threads=$t \
        --set checkpoint.dir="$WORK/ck_t$t" --set checkpoint.at_end=true
    grep -q '"lanes": 4,' "$WORK/ck_t$t/manifest.json" || fail "no lanes in the manifest"
    ckpt_has "$WORK/ck_t$t" rank0/lane3.E_V || fail "no piece of lane 3"
    "$sim" --time 100 --quiet --output "$WORK/b_t$t" --set threads=$t --restore "$WORK/ck_t$t"
    concat "$WORK/full" "$WORK/a_t$t" "$WORK/b_t$t" || fail "threads $t: restored run differs"
done
"$sim" --time 100 --quiet --output "$WORK/b_2to1" --restore "$WORK/ck_t2"
concat "$WORK/full" "$WORK/a_t2" "$WORK/b_2to1" || fail "threads 2 -> 1: restored run differs"
ok "4 lanes: T steps + checkpoint + restore = 2T steps, every lane bitwise (1, 2 threads, 2 -> 1)"

"$sim" --time 80 --quiet --output "$WORK/ev_a" --set checkpoint.dir="$WORK/ck_ev" \
    --set checkpoint.every_steps=300
grep -q '"step": 600,' "$WORK/ck_ev/manifest.json" || fail "every_steps: not the checkpoint of step 600"
"$sim" --time 100 --quiet --output "$WORK/ev_b" --restore "$WORK/ck_ev"
concat "$WORK/full" - "$WORK/ev_b" 60 || fail "every_steps: restored run differs"
ok "4 lanes: checkpoint.every_steps (step 600) restores every lane"

d="$WORK/sig"
sigterm_checkpoint "$sim" "$d" # sets T
[ -n "$T" ] && [ "$T" -gt 0 ] || fail "SIGTERM: no checkpoint step"
end=$($PY -c "print(($T + 300) / 10)")
"$sim" --time "$end" --quiet --output "$WORK/sig_full"
"$sim" --time "$end" --quiet --output "$WORK/sig_b" --restore "$d.ck" --set threads=2
concat "$WORK/sig_full" "$d" "$WORK/sig_b" || fail "SIGTERM: restored run differs"
ok "4 lanes: SIGTERM at step $T, restored on 2 threads = uninterrupted, every lane"

# another batch, another lane_offset: refused before anything is built
st=0
"$sim" --time 100 --quiet --output "$WORK/bad1" --restore "$WORK/ck_t1" --set batch=2 \
    >"$WORK/bad1.txt" 2>&1 || st=$?
[ "$st" -eq 1 ] || fail "batch 2: exit status $st"
grep -q "the checkpoint '$WORK/ck_t1' holds 4 batch lanes, this run has 2: restore it with batch 4" \
    "$WORK/bad1.txt" || { cat "$WORK/bad1.txt"; fail "batch 2: message"; }
st=0
"$sim" --time 100 --quiet --output "$WORK/bad2" --restore "$WORK/ck_t1" --set lane_offset=4 \
    >"$WORK/bad2.txt" 2>&1 || st=$?
[ "$st" -eq 1 ] || fail "lane_offset: exit status $st"
grep -q "was written with lane_offset 0, this run has 4: restore it with lane_offset 0" \
    "$WORK/bad2.txt" || { cat "$WORK/bad2.txt"; fail "lane_offset: message"; }
[ ! -e "$WORK/bad1" ] && [ ! -e "$WORK/bad2" ] || fail "a refused restore made its output directory"
ok "a restore with another batch or lane_offset is refused, naming both"
