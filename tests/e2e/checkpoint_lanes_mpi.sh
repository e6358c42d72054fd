#!/usr/bin/env bash
# Checkpoints of a batched model's lanes over MPI ranks (issue 16; docs/run.md
# "Checkpoints", docs/parallel.md "Batch lanes over ranks"): checkpoint_lanes.sh's model
# (B = 4) built with --mpi on 2 ranks.  Each rank writes its own lanes' files (lane<b> by the
# batch's lane number) into rank<r>/, the shared state only rank 0; the manifest records the
# split.  Checked:
#   - checkpoint.every_steps (step 500) and SIGTERM mid-run on 2 ranks, restored on 2, 1 and
#     4 ranks: every lane's recordings after the checkpoint and the per-lane final checksums
#     equal an uninterrupted run's bitwise;
#   - a training run (train_batch.sh's delta-rule readout, B = 4) on 2 ranks stopped
#     mid-epoch and restored on 2 and on 1 rank(s): the saved weights and metrics.csv
#     (apart from wall_s) bitwise the uninterrupted run's.
set -euo pipefail
source tests/lib/mpi.sh
export SNN_HEARTBEAT_S=0.2
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
source tests/lib/batch_model.sh # batch_model; concat FULL FIRST SECOND [T_MS]
source tests/lib/delta.sh # delta_batch_model, delta_data, delta_batch_config
source tests/lib/ckpt_signal.sh # await_step
source tests/lib/ckpt_piece.sh # ckpt_has, ckpt_poke
batch_model 4 >"$WORK/m.lua" # checkpoint_lanes.sh's model
"$SNNCC" -q --mpi "$WORK/m.lua" -o "$WORK/sm"
sim="$WORK/sm/bt"
run() { local np=$1; shift; "${MPIRUN[@]}" -np "$np" "$sim" --quiet "$@"; }

run 2 --time 100 --output "$WORK/full"
run 2 --time 60 --output "$WORK/a" --set checkpoint.dir="$WORK/ck" --set checkpoint.every_steps=500
ck="$WORK/ck"
grep -q '"step": 500,' "$ck/manifest.json" || fail "every_steps: not the checkpoint of step 500"
grep -q '"lane_ranks": 2,' "$ck/manifest.json" && grep -q '"lane_first": \[0, 2\],' "$ck/manifest.json" ||
    fail "the manifest has no lane split"
ckpt_has "$ck" rank1/lane2.E_V && ckpt_has "$ck" rank1/lane3.E_V && ckpt_has "$ck" rank0/lane1.E_V ||
    fail "the ranks' lane pieces are not there"
! ckpt_has "$ck" rank0/lane2.E_V && ! grep -q '"piece": "rank1/[^"]*checksum' "$ck/manifest.json" ||
    fail "a lane's piece on the wrong rank, or shared state written twice"
for np in 2 1 4; do
    run $np --time 100 --output "$WORK/b$np" --restore "$ck"
    concat "$WORK/full" - "$WORK/b$np" 50 || fail "every_steps: restored on $np ranks differs"
done
ok "4 lanes on 2 ranks: checkpoint.every_steps (step 500), restored on 2, 1 and 4 ranks = uninterrupted"

d="$WORK/sig"
run 2 --time 10000000 --output "$d" --set checkpoint.dir="$d.ck" &
pid=$!
await_step "$d"
kill -TERM $(pgrep -P $pid)  # the ranks (mpirun's children)
wait $pid || true
[ -f "$d.ck/manifest.json" ] || fail "SIGTERM: no checkpoint"
T=$(grep '"step"' "$d.ck/manifest.json" | tr -dc 0-9)
[ -n "$T" ] && [ "$T" -gt 0 ] || fail "SIGTERM: no checkpoint step"
end=$($PY -c "print(($T + 300) / 10)")
run 2 --time "$end" --output "$WORK/sig_full"
for np in 2 1 4; do
    run $np --time "$end" --output "$WORK/sig_b$np" --restore "$d.ck"
    concat "$WORK/sig_full" - "$WORK/sig_b$np" "$($PY -c "print($T / 10)")" ||
        fail "SIGTERM: restored on $np ranks differs"
done
ok "4 lanes on 2 ranks: SIGTERM at step $T, restored on 2, 1 and 4 ranks = uninterrupted"

# --- a training run on 2 ranks (train_batch.sh's delta-rule readout, B = 4) ----------------
cd "$WORK"
delta_batch_model >m4.lua
delta_batch_config >t4.yaml
sed -n '/^same() {/,/^}$/p' "$OLDPWD/tests/e2e/checkpoint_train.sh" >same.sh
grep -q "metrics.csv" same.sh || fail "checkpoint_train.sh's comparison not found"
delta_data 9 6
source ./same.sh
"$SNNCC" -q --mpi m4.lua -D batch=4 -o tm
tr() { local np=$1; shift; "${MPIRUN[@]}" -np "$np" tm/delta --config t4.yaml --quiet "$@"; }
tr 2 --output tfull --set train.save.dir=tfull/w
# 10 batches of 12 steps (epoch 2's evaluation: steps 48..71; epoch 3's training: 72..95):
# the last checkpoints, steps 90 and 61, are mid-example in a training batch and
# in an evaluation
for k in 30 61; do
    tr 2 --output t$k.a --set train.save.dir=t$k.a/w --set checkpoint.dir=t$k.ck \
        --set checkpoint.every_steps=$k
    grep -q "\"step\": $((k * (119 / k)))," t$k.ck/manifest.json ||
        fail "training, every_steps $k: no checkpoint"
    for np in 2 1; do
        tr $np --output t$k.b$np --set train.save.dir=t$k.b$np/w --restore t$k.ck
        same tfull t$k.b$np || fail "training, every_steps $k: restored on $np ranks differs"
    done
done
ok "training (B = 4) on 2 ranks: checkpoints mid-epoch (steps 90, 61) restored on 2 and 1 ranks = uninterrupted"
