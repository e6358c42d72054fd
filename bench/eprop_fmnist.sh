#!/usr/bin/env bash
# bench/eprop_fmnist.sh - models/eprop_classifier.lua trained with e-prop on Fashion-MNIST
# through the training loop (models/eprop_fmnist.yaml's groups; docs/performance.md
# "e-prop on Fashion-MNIST").  Not a test: prints figures.
#
#   N=1000 E=1 bench/eprop_fmnist.sh         # or: make bench-eprop N=1000 E=1
#
# Trains on the first N training images (default 1000) for E epochs (default 1), then
# evaluates the saved weights on the first NTEST test images (default N) with
# evaluate_only.  Prints the training wall time per example (metrics.csv wall_s: the
# epochs' simulation, no evaluation), the process's user CPU time per example (the whole
# run: reading and encoding the images and building included), the last epoch's training
# loss and accuracy, and the test accuracy.  The network: HIDDEN (default 128) hidden
# neurons, ALIF=0 (LIF) or 1, RECURRENT=1 or 0, P_IN / P_REC connection probabilities
# (default 1: dense), DEEPR=1 (DEEP R on the sparse projections: -D deepr=1 -D l1=L1 -D
# pad=PAD, defaults 1e-8 and 1.0 as bench/eprop_results.sh; needs P_IN or P_REC below 1),
# SHUFFLE (1: a new order every epoch, the training loop's default; 0: file order, as the
# PyTorch peer: bench/eprop_peer.sh sets 0), LR (0.001), THREADS (1), BATCH (1: unbatched; B > 1 builds the model
# with -D batch=B, a lane per example, and trains with train.batch B and batch_end:
# [GradSum, Learn], models/eprop_fmnist.yaml's batches; the last partial batch of the
# training set is dropped, as the PyTorch peer's --batch B does).  With CALLGRIND=1 also the instructions per
# training example, by valgrind --tool=callgrind on 1 epoch of CG_N and 2 CG_N examples
# (default 10; built for x86-64-v3, valgrind lacks AVX-512): (Ir(2 CG_N) - Ir(CG_N)) / CG_N,
# the set-up cancelled; instruction counts
# are what to compare on a shared machine, where wall times are noise.  OUT: the work
# directory (default build/bench-eprop; emptied first).  bench/eprop_peer.sh and
# bench/eprop_sparse.sh call this script.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${N:-1000}
E=${E:-1}
NTEST=${NTEST:-$N}
HIDDEN=${HIDDEN:-128}
ALIF=${ALIF:-0}
RECURRENT=${RECURRENT:-1}
P_IN=${P_IN:-1}
P_REC=${P_REC:-1}
LR=${LR:-0.001}
THREADS=${THREADS:-1}
BATCH=${BATCH:-1}
DEEPR=${DEEPR:-0}
L1=${L1:-1e-8}
PAD=${PAD:-1.0}
SHUFFLE=${SHUFFLE:-1}
case $SHUFFLE in 0) shuf=false ;; 1) shuf=true ;; *) echo "bench/eprop_fmnist.sh: SHUFFLE=$SHUFFLE: 0 or 1" >&2; exit 2 ;; esac
CALLGRIND=${CALLGRIND:-0}
CG_N=${CG_N:-10}
FM=${FM:-/usr/share/datasets/fashion-mnist}
OUT=${OUT:-$BUILD/bench-eprop}
PY=${PY:-/usr/bin/python3}
for f in train-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz; do
    [ -f "$FM/$f" ] || { echo "bench/eprop_fmnist.sh: $FM/$f is missing (apt-get install \
dataset-fashion-mnist, or FM=dir)" >&2; exit 2; }
done
rm -rf "$OUT"
mkdir -p "$OUT"
bd=() groups="Learn" tb=""
if [ "$BATCH" != 1 ]; then
    bd=(-D batch="$BATCH") groups="GradSum, Learn" tb="  batch: $BATCH"
fi
[ "$DEEPR" = 0 ] || bd+=(-D deepr=1 -D l1="$L1" -D pad="$PAD")
"$BUILD/bin/snncc" -q models/eprop_classifier.lua -D inputs=784 -D classes=10 \
    -D hidden="$HIDDEN" -D alif="$ALIF" -D recurrent="$RECURRENT" -D p_in="$P_IN" \
    -D p_rec="$P_REC" -D lr="$LR" "${bd[@]}" -o "$OUT/sim"
SIM="$OUT/sim/eprop_classifier"
vars="IH.w, HO.w, Out.b"
[ "$RECURRENT" = 0 ] || vars="IH.w, HH.w, HO.w, Out.b"
cat >"$OUT/train.yaml" <<EOF
train:
  epochs: $E
  train: { In: $FM/train-images-idx3-ubyte.gz }
  shuffle: $shuf
  evaluate_every: 0
  reset: example
  keep: [Out.b]
  groups: { batch_end: [$groups] }
$tb
  metrics: { output: Out.pi_sum, loss: Out.ce }
  save: { dir: $OUT/weights, vars: [$vars], every_epochs: 0 }
datasets: { In: { encode: log_latency, tau: 20, threshold: 51, limit: $N } }
threads: $THREADS
EOF
cat >"$OUT/test.yaml" <<EOF
train:
  test: { In: $FM/t10k-images-idx3-ubyte.gz }
  evaluate_only: true
  load: $OUT/weights
  reset: example
  keep: [Out.b]
  groups: { batch_end: [$groups] }   # named: their model schedules are off while evaluating
  metrics: { output: Out.pi_sum, loss: Out.ce }
datasets: { In: { encode: log_latency, tau: 20, threshold: 51, limit: $NTEST } }
threads: $THREADS
EOF
/usr/bin/time -f "%U %S %e %M" -o "$OUT/train.cpu" "$SIM" --config "$OUT/train.yaml" --output "$OUT/train" --quiet
"$SIM" --config "$OUT/test.yaml" --output "$OUT/test" --quiet
instr=""
if [ "$CALLGRIND" = 1 ]; then
    # valgrind lacks AVX-512: a build for x86-64-v3 (otherwise the default flags)
    "$BUILD/bin/snncc" -q --cflags "-O3 -march=x86-64-v3 -fno-math-errno -fno-trapping-math \
-ffp-contract=off -fopenmp" models/eprop_classifier.lua -D inputs=784 -D classes=10 \
        -D hidden="$HIDDEN" -D alif="$ALIF" -D recurrent="$RECURRENT" -D p_in="$P_IN" \
        -D p_rec="$P_REC" -D lr="$LR" "${bd[@]}" -o "$OUT/cgsim"
    for n in "$CG_N" $((2 * CG_N)); do
        sed -e "s/limit: $N/limit: $n/" -e "s/epochs: $E/epochs: 1/" "$OUT/train.yaml" >"$OUT/cg$n.yaml"
        valgrind --tool=callgrind --callgrind-out-file="$OUT/cg$n.out" "$OUT/cgsim/eprop_classifier" \
            --config "$OUT/cg$n.yaml" --output "$OUT/cg$n" --quiet 2>"$OUT/cg$n.log"
    done
    instr=$(for n in "$CG_N" $((2 * CG_N)); do
        sed -n 's/^summary: *//p' "$OUT/cg$n.out"; done | tr '\n' ' ')
fi
$PY - "$OUT" "$N" "$E" "$NTEST" "$HIDDEN" "$ALIF" "$RECURRENT" "$CG_N" "$instr" <<'PY'
import csv, sys, json
out, n, e, nt, hid, alif, rec, cgn = sys.argv[1], *map(int, sys.argv[2:9])
rows = list(csv.DictReader(open(f"{out}/train/metrics.csv")))
test = list(csv.DictReader(open(f"{out}/test/metrics.csv")))[-1]
wall = sum(float(r["wall_s"]) for r in rows)
# /usr/bin/time: user, system, wall seconds, peak KB of the training process
cpu, cpu_sys, _, _ = map(float, open(f"{out}/train.cpu").read().split()[-4:])
steps = json.load(open(f"{out}/train/run.json"))["training"]["example_steps"]
batch = json.load(open(f"{out}/train/run.json"))["training"].get("batch", 1)
n = n // batch * batch  # trained: the last partial batch is dropped
print(f"e-prop Fashion-MNIST: {hid} {'ALIF' if alif else 'LIF'} hidden, "
      f"{'recurrent' if rec else 'feed-forward'}, {n} training examples x {e} epochs, "
      f"batch {batch}, {steps} steps each")
print(f"  training wall time {wall:.2f} s: {1000 * wall / (n * e):.2f} ms per example "
      f"(user CPU of the whole run {1000 * cpu / (n * e):.2f} ms per example, user + system "
      f"{1000 * (cpu + cpu_sys) / (n * e):.2f} ms)")
print(f"  last epoch: train loss {float(rows[-1]['train_loss']):.2f}, "
      f"train accuracy {float(rows[-1]['train_accuracy']):.4f}")
print(f"  test accuracy {float(test['test_accuracy']):.4f} on {nt} test examples "
      f"(loss {float(test['test_loss']):.2f})")
if sys.argv[9].strip():
    a, b = map(int, sys.argv[9].split())
    print(f"  instructions per training example: {(b - a) / cgn:.4g} "
          f"(callgrind, 1 epoch of {cgn} and {2 * cgn} examples)")
PY
