#!/usr/bin/env bash
# bench/eprop_peer.sh - `make bench-eprop-peer`: models/eprop_classifier.lua trained with
# e-prop by snncc (bench/eprop_fmnist.sh) against the PyTorch peer (bench/peers/
# eprop_torch.py: the same network trained with BPTT and a surrogate gradient), on the
# same Fashion-MNIST examples in the same (file) order, epochs, batch size and number of
# threads, in alternation
# (snncc, torch, snncc, torch, ...: REPS pairs, default 3).  Prints each run, then the
# medians of the training wall time per example (examples/s), the CPU time per example,
# the test accuracies, the peak resident memory, and the ratios torch/snncc.  Not a test: figures, docs/performance.md
# "e-prop against PyTorch".
#
#   N=1000 E=1 THREADS=1 REPS=3 bench/eprop_peer.sh
#
# Knobs as bench/eprop_fmnist.sh: N, E, NTEST, HIDDEN, RECURRENT, LR, THREADS, BATCH (B
# examples per optimiser step on both sides: snncc's -D batch=B, the peer's --batch B; LIF only:
# the peer has no ALIF; P_IN/P_REC below 1 and DEEPR=1 on the snncc side only if asked: the
# peer is dense).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${N:-1000}
E=${E:-1}
NTEST=${NTEST:-$N}
HIDDEN=${HIDDEN:-128}
RECURRENT=${RECURRENT:-1}
LR=${LR:-0.001}
THREADS=${THREADS:-1}
BATCH=${BATCH:-1}
REPS=${REPS:-3}
PY=${PY:-/usr/bin/python3}
OUTD="$BUILD/bench-eprop-peer"
mkdir -p "$OUTD"
$PY -c 'import torch' 2>/dev/null || { echo "bench/eprop_peer.sh: PyTorch is not installed \
(apt-get install python3-torch)" >&2; exit 1; }
rec=""
[ "$RECURRENT" = 1 ] || rec=--no-recurrent
: >"$OUTD/runs.txt"
echo "load before: $(uptime)"
for r in $(seq 1 "$REPS"); do
    echo "== pair $r: snncc"
    OUT="$OUTD/snncc" SHUFFLE=0 N=$N E=$E NTEST=$NTEST HIDDEN=$HIDDEN ALIF=0 RECURRENT=$RECURRENT \
        LR=$LR THREADS=$THREADS BATCH=$BATCH bench/eprop_fmnist.sh | tee "$OUTD/snncc$r.txt"
    rss=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["memory"]["peak_rss_bytes"])' \
        "$OUTD/snncc/train/run.json")
    echo "snncc $r $(sed -n 's/.*training wall time [0-9.]* s: \([0-9.]*\) ms per example.*/\1/p' \
        "$OUTD/snncc$r.txt") $(sed -n 's/.*test accuracy \([0-9.]*\) .*/\1/p' "$OUTD/snncc$r.txt") $rss \
$(sed -n 's/.*user + system \([0-9.]*\) ms).*/\1/p' "$OUTD/snncc$r.txt")" >>"$OUTD/runs.txt"
    echo "== pair $r: torch"
    $PY bench/peers/eprop_torch.py --n "$N" --ntest "$NTEST" --epochs "$E" --hidden "$HIDDEN" \
        --lr "$LR" --threads "$THREADS" --batch "$BATCH" $rec | tee "$OUTD/torch$r.txt"
    echo "torch $r $(sed -n 's/.* \([0-9.]*\) ms per example.*/\1/p' "$OUTD/torch$r.txt") \
$(sed -n 's/.*test accuracy \([0-9.]*\) .*/\1/p' "$OUTD/torch$r.txt") \
$(sed -n 's/.*peak RSS \([0-9.]*\) MB.*/\1/p' "$OUTD/torch$r.txt") \
$(sed -n 's/.*ms per example (CPU \([0-9.]*\) ms).*/\1/p' "$OUTD/torch$r.txt")" >>"$OUTD/runs.txt"
done
echo "load after: $(uptime)"
$PY - "$OUTD/runs.txt" "$N" "$E" "$THREADS" "$BATCH" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
n, e, th, b = sys.argv[2:6]
def med(who, k):
    return st.median(float(r[k]) for r in rows if r[0] == who)
s_ms, t_ms = med("snncc", 2), med("torch", 2)
s_acc, t_acc = med("snncc", 3), med("torch", 3)
s_mb = med("snncc", 4) / 1e6
t_mb = med("torch", 4)
print(f"e-prop (snncc) against BPTT (PyTorch): {n} examples x {e} epochs, batch {b}, {th} threads, "
      f"medians of {len(rows) // 2} alternated pairs")
s_cpu, t_cpu = med("snncc", 5), med("torch", 5)
print(f"{'':11} {'ms/example':>11} {'examples/s':>11} {'CPU ms/ex':>10} {'test acc':>9} {'peak MB':>8}")
print(f"{'snncc':11} {s_ms:>11.3f} {1000 / s_ms:>11.2f} {s_cpu:>10.3f} {s_acc:>9.4f} {s_mb:>8.1f}")
print(f"{'torch':11} {t_ms:>11.3f} {1000 / t_ms:>11.2f} {t_cpu:>10.3f} {t_acc:>9.4f} {t_mb:>8.1f}")
print(f"{'torch/snncc':11} {t_ms / s_ms:>10.2f}x {'':>11} {t_cpu / s_cpu:>9.2f}x {t_acc - s_acc:>+9.4f} "
      f"{t_mb / s_mb:>7.2f}x")
print("CPU: snncc's user + system time of the whole training run (reading, encoding, set-up included), torch's "
      "process time of the training loop")
PY
