#!/usr/bin/env bash
# bench/eprop_l1_sweep.sh - issue 15: DEEP R's L1 strength chosen on a validation split, not
# on the test set (docs/performance.md "e-prop and DEEP R: the results table").  For each L1
# in L1S, models/eprop_classifier.lua with DEEP R (-D deepr=1, p_in = p_rec = P) trains on
# Fashion-MNIST with train.validation (docs/run.md "Validation split": a stratified,
# held-out VAL of the training images, the same for every L1); the L1 of the highest
# validation accuracy after the last epoch is chosen (ties: the lower validation loss, then
# the earlier in L1S), and only the chosen one's test accuracy is reported.  Writes
# $OUT/sweep.json and $OUT/L<l1>/ (the run's out/metrics.csv, run.json).  Not a test.
#
#   bench/eprop_l1_sweep.sh                                  # the default subset below
#   L1S="1e-8 1e-4" N=300 E=1 HIDDEN=32 bench/eprop_l1_sweep.sh   # the smallest trial
#   FULL=1 bench/eprop_l1_sweep.sh                           # all 60k training images
#
# Knobs: L1S (default "1e-8 1e-6 1e-4 1e-2"), P (connection probability, default 0.1),
# N (the first N training images, VAL of them held out, and the first min(N, 10000) test
# images; default 10000, FULL=1: 60000), VAL (validation fraction, default 0.1), E (epochs,
# default 2; validation and test after the last), HIDDEN (hidden LIF, default 128), PAD (row
# padding, 1.0), JOBS (runs at once, default 2), NICE (default 10), OUT (default
# build/eprop-l1-sweep), FM (the Fashion-MNIST directory).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FULL=${FULL:-0}
if [ "$FULL" = 1 ]; then N=${N:-60000}; fi
N=${N:-10000}
L1S=${L1S:-1e-8 1e-6 1e-4 1e-2}
P=${P:-0.1}
VAL=${VAL:-0.1}
E=${E:-2}
HIDDEN=${HIDDEN:-128}
PAD=${PAD:-1.0}
JOBS=${JOBS:-2}
NICE=${NICE:-10}
FM=${FM:-/usr/share/datasets/fashion-mnist}
OUT=${OUT:-$BUILD/eprop-l1-sweep}
PY=${PY:-/usr/bin/python3}
SNNCC="$BUILD/bin/snncc"
for f in train-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz; do
    [ -f "$FM/$f" ] || { echo "bench/eprop_l1_sweep.sh: $FM/$f is missing (apt-get install \
dataset-fashion-mnist, or FM=dir)" >&2; exit 2; }
done
mkdir -p "$OUT"
one() { # one L1: build, train with the validation split, test after the last epoch
    local l1=$1 d="$OUT/L$1"
    rm -rf "$d"
    mkdir -p "$d"
    nice -n "$NICE" "$SNNCC" -q models/eprop_classifier.lua -D inputs=784 -D classes=10 \
        -D hidden="$HIDDEN" -D alif=0 -D p_in="$P" -D p_rec="$P" -D deepr=1 -D l1="$l1" \
        -D pad="$PAD" -o "$d/sim"
    cat >"$d/train.yaml" <<EOF
train:
  epochs: $E
  train: { In: $FM/train-images-idx3-ubyte.gz }
  test: { In: $FM/t10k-images-idx3-ubyte.gz }
  validation: { fraction: $VAL, seed: 1 }   # the same held-out images for every L1
  shuffle: true
  seed: 1
  evaluate_every: $E
  reset: example
  keep: [Out.b]
  groups: { batch_end: [Learn] }
  metrics: { output: Out.pi_sum, loss: Out.ce }
  save: { dir: $d/weights, vars: [IH.w, HH.w, HO.w, Out.b] }
datasets: { In: { encode: log_latency, tau: 20, threshold: 51, limit: $N } }
threads: 1
EOF
    echo "$d/sim/eprop_classifier --config $d/train.yaml --output $d/out" >"$d/run.txt"
    nice -n "$NICE" /usr/bin/time -f "%U %S %e %M" -o "$d/time.txt" \
        "$d/sim/eprop_classifier" --config "$d/train.yaml" --output "$d/out" --quiet \
        >"$d/log.txt" 2>&1
}
echo "L1S: $L1S; N=$N VAL=$VAL E=$E HIDDEN=$HIDDEN P=$P; load: $(uptime)"
running=0
for l1 in $L1S; do
    { one "$l1" && echo "done L1 $l1 ($(date -u +%H:%M))" ||
        echo "FAILED L1 $l1: see $OUT/L$l1/log.txt"; } &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
$PY - "$OUT" "$N" "$VAL" "$E" $L1S <<'PY'
import csv, json, sys
out, n, val, epochs, l1s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
rows = []
for l1 in l1s:
    try:
        m = list(csv.DictReader(open(f"{out}/L{l1}/out/metrics.csv")))[-1]
        t = json.load(open(f"{out}/L{l1}/out/run.json"))["training"]
    except (OSError, IndexError, KeyError) as e:
        print(f"L1 {l1}: no result ({e})")
        continue
    if m["status"] != "complete" or not m["validation_accuracy"]:
        print(f"L1 {l1}: the run did not finish")
        continue
    rows.append({"l1": l1, "validation_accuracy": float(m["validation_accuracy"]),
                 "validation_loss": float(m["validation_loss"]),
                 "train_accuracy": float(m["train_accuracy"]),
                 "test_accuracy": float(m["test_accuracy"]),
                 "validation_examples": t["validation"]["examples"],
                 "train_examples": t["train_examples"]})
if not rows:
    sys.exit("bench/eprop_l1_sweep.sh: no finished run")
# the choice sees the validation split only: accuracy, then loss, then the order of L1S
best = min(range(len(rows)), key=lambda i: (-rows[i]["validation_accuracy"],
                                            rows[i]["validation_loss"], i))
print(f"{'L1':>10} {'train acc':>10} {'val acc':>9} {'val loss':>9}")
for i, r in enumerate(rows):
    print(f"{r['l1']:>10} {r['train_accuracy']:10.4f} {r['validation_accuracy']:9.4f} "
          f"{r['validation_loss']:9.4f}{'   <- chosen' if i == best else ''}")
c = rows[best]
print(f"chosen L1 {c['l1']} (validation accuracy {c['validation_accuracy']:.4f} on "
      f"{c['validation_examples']} held-out training images, trained on {c['train_examples']}, "
      f"{epochs} epochs): test accuracy {c['test_accuracy']:.4f}")
json.dump({"n": n, "validation_fraction": val, "epochs": epochs, "chosen": c["l1"],
           "chosen_test_accuracy": c["test_accuracy"],
           "rows": [{k: v for k, v in r.items() if k != "test_accuracy"} for r in rows]},
          open(f"{out}/sweep.json", "w"), indent=1)
PY
