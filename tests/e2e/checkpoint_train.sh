#!/usr/bin/env bash
# Checkpoints of a training run (issue 16; docs/run.md "Checkpoints", "Training loop"): the
# delta-rule readout of train.sh (one lane; groups at example_end, batch_end, epoch_end,
# every_steps; a learning-rate schedule; evaluation every 2 epochs) and the batched one of
# train_batch.sh (4 lanes, a batch_sum reduction at batch_end), stopped by
# checkpoint.every_steps in a training batch (mid-example and at an example's last step),
# in an evaluation, and by SIGTERM, then restored (on 1 or 2 threads): the restored run's
# metrics.csv (all rows, but for wall_s) and run.json "training" metrics and the saved
# variables are bitwise those of an uninterrupted training run.  A checkpoint of a training
# run restored without train: (and the reverse) is refused.  The unbatched one on MPI ranks
# (2, stopped in a training batch and in an evaluation) restored on 2, 1 and 3 ranks, and a
# one-process checkpoint on 2.
set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
source tests/lib/delta.sh # delta_model, delta_batch_model, delta_data, delta_config, ...
ROOT=$PWD
cd "$WORK"
delta_model >m1.lua           # train.sh's model and config
delta_batch_model >m4.lua     # train_batch.sh's
delta_data 9 6
"$SNNCC" -q m1.lua -o b1
"$SNNCC" -q m4.lua -D batch=4 -o b4
delta_config >t1.yaml
delta_batch_config >t4.yaml

# same FULL RESTORED: metrics.csv (without wall_s), run.json's training metrics (without
# wall_s) and every saved variable (FULL/w, RESTORED/w) bitwise equal
same() {
    $PY - "$@" <<'PY'
import json, os, sys
full, rest = sys.argv[1:3]
def rows(d):
    return [",".join(l.rstrip("\n").split(",")[:5] + l.rstrip("\n").split(",")[6:])
            for l in open(f"{d}/metrics.csv")]
assert rows(full) == rows(rest), (rows(full), rows(rest))
def tj(d):
    t = json.load(open(f"{d}/run.json"))["training"]
    for r in t["metrics"]:
        r.pop("wall_s")
    return t
a, b = tj(full), tj(rest)
assert a == b, (a, b)
assert len(a["metrics"]) >= 3 and all(r["status"] == "complete" for r in a["metrics"]), a
r = json.load(open(f"{rest}/run.json"))
assert r["status"] == "complete" and r["run"]["restored_from"]["step"] > 0, r["run"]
files = sorted(os.listdir(f"{full}/w"))
assert files and files == sorted(os.listdir(f"{rest}/w")), files
for f in files:
    assert open(f"{full}/w/{f}", "rb").read() == open(f"{rest}/w/{f}", "rb").read(), f
PY
}

for B in 1 4; do
    sim=b$B/delta
    "$sim" --config t$B.yaml --output full$B --quiet --set train.save.dir=full$B/w
    # B 1: 39 batches of 12 steps (epoch 3's training: steps 288..395, its evaluation
    # 396..467); B 4: 10 batches (epoch 3: steps 72..95, evaluation 96..119)
    if [ "$B" = 1 ]; then ks="310 300 100"; else ks="61 59"; fi
    t=1
    for k in $ks; do
        t=$((3 - t)) # 2 -> 1, then 1 -> 2, ...
        {
            d=ev${B}_${k}_$t
            "$sim" --config t$B.yaml --output $d.a --quiet --set train.save.dir=$d.a/w \
                --set checkpoint.dir=$d.ck --set checkpoint.every_steps=$k --set threads=$t
            step=$(grep '"step"' $d.ck/manifest.json | tr -dc 0-9)
            "$sim" --config t$B.yaml --output $d.b --quiet --set train.save.dir=$d.b/w \
                --restore $d.ck --set threads=$((3 - t))
            same full$B $d.b || fail "batch $B, every_steps $k (step $step), threads $t -> $((3 - t)): restored training differs"
        }
        echo "batch $B: checkpoint at step $step restored"
    done
    ok "batch $B: training checkpointed by every_steps (training batches, mid-example and at an example's end, evaluation) and restored = uninterrupted"
done

# SIGTERM in the middle of a longer training run (after its first epoch's row)
sed 's/epochs: 3/epochs: 8/' t1.yaml >t8.yaml
b1/delta --config t8.yaml --output full8 --quiet --set train.save.dir=full8/w
b1/delta --config t8.yaml --output sig --quiet --set train.save.dir=sig/w --set checkpoint.dir=sig.ck &
pid=$!
for _ in $(seq 1 6000); do
    [ -f sig/metrics.csv ] && [ "$(wc -l <sig/metrics.csv)" -ge 2 ] && break
    sleep 0.02
done
kill -TERM $pid
st=0
wait $pid || st=$?
[ "$st" -eq 143 ] || fail "SIGTERM: exit status $st, not 143 (did the run end before the signal?)"
tail -1 sig/metrics.csv | grep -q ',interrupted$' || fail "SIGTERM: no interrupted row"
step=$(grep '"step"' sig.ck/manifest.json | tr -dc 0-9)
b1/delta --config t8.yaml --output sigb --quiet --set train.save.dir=sigb/w --restore sig.ck
same full8 sigb || fail "SIGTERM at step $step: restored training differs"
ok "SIGTERM at step $step (epoch $(($(wc -l <sig/metrics.csv) - 1))): the restored training run = uninterrupted"

# a training checkpoint without train:, a plain one with train:
st=0
b1/delta --output bad1 --quiet --time 500 --set datasets.In.file=trainset \
    --set datasets.In.example_steps=12 --restore ev1_310_2.ck >bad1.txt 2>&1 || st=$?
[ "$st" -eq 1 ] && grep -q "was written by a training run (train:): restore it with the same train: config" bad1.txt \
    || { cat bad1.txt; fail "a training checkpoint restored without train:"; }
b1/delta --output plain --quiet --time 100 --set datasets.In.file=trainset \
    --set datasets.In.example_steps=12 --set checkpoint.dir=plain.ck --set checkpoint.at_end=true
st=0
b1/delta --config t1.yaml --output bad2 --quiet --restore plain.ck >bad2.txt 2>&1 || st=$?
[ "$st" -eq 1 ] && grep -q "holds no training loop position" bad2.txt \
    || { cat bad2.txt; fail "a plain checkpoint restored with train:"; }
ok "a training checkpoint without train: and a plain one with train: are refused"

# the unbatched model on several MPI ranks (its neurons split): stopped on 2 ranks in a
# training batch (mid-example, step 310) and in an evaluation (step 100's every_steps: 400),
# restored on 2, 1 and 3 ranks, and a one-process checkpoint restored on 2: bitwise the
# uninterrupted one-process run (every rank wrote the loop's position, rank 0 its metrics;
# a restore reads rank 0's)
source "$ROOT/tests/lib/mpi.sh"
"$SNNCC" -q --mpi m1.lua -o bm
for k in 310 100; do
    d=r2_$k
    "${MPIRUN[@]}" -np 2 bm/delta --config t1.yaml --output $d.a --quiet \
        --set train.save.dir=$d.a/w --set checkpoint.dir=$d.ck --set checkpoint.every_steps=$k
    step=$(grep '"step"' $d.ck/manifest.json | tr -dc 0-9)
    for np in 2 1 3; do
        "${MPIRUN[@]}" -np $np bm/delta --config t1.yaml --output $d.b$np --quiet \
            --set train.save.dir=$d.b$np/w --restore $d.ck
        same full1 $d.b$np || fail "2 ranks, every_steps $k (step $step) -> $np ranks: restored training differs"
    done
    echo "2 ranks: checkpoint at step $step restored on 2, 1, 3 ranks"
done
"${MPIRUN[@]}" -np 2 bm/delta --config t1.yaml --output r1to2 --quiet --set train.save.dir=r1to2/w \
    --restore ev1_310_2.ck
same full1 r1to2 || fail "one process -> 2 ranks: restored training differs"
ok "an unbatched model's training on MPI ranks: checkpointed on 2 (training batch, evaluation), restored on 2, 1, 3; one process's on 2"
