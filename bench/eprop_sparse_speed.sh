#!/usr/bin/env bash
# bench/eprop_sparse_speed.sh - KSN25's headline in instructions: models/eprop_classifier.lua
# on Fashion-MNIST (latency-coded, as models/eprop_fmnist.yaml), H hidden LIF (or ALIF)
# neurons, dense against static sparse and DEEP R at 10 % and 1 % (p_in = p_rec), trained
# through the training loop (batch 1, Adam after every example, `reset: example`).
# For each row: valgrind callgrind on 1 epoch of CG_N and of 2 CG_N training examples (the
# same first examples, no evaluation); instructions per training example = the difference
# / CG_N (construction and data loading cancel), the ratio dense / row, and the split per
# phase (each phase function's own instructions, the same difference).  Not a test:
# docs/performance.md "e-prop at 512 hidden: sparse against dense".
#
#   H=512 CG_N=2 bench/eprop_sparse_speed.sh                 # LIF, the five rows
#   H=512 ALIF=1 ROWS="dense static1" bench/eprop_sparse_speed.sh
#   OUT=DIR bench/eprop_sparse_speed.sh --table              # the table of a finished run
#
# Rows: dense (p_in = p_rec = 1; HH without autapses is stored as sparse rows), dense_mat
# (the same with HH's autapses, stored as a matrix: -D rec_autapses=1, H synapses more),
# static10 static1 (p_in = p_rec = 0.1, 0.01), deepr10 deepr1 (the same with DEEP R).
# Knobs: H (hidden neurons, default 512), ALIF (0: LIF, 1: ALIF), ROWS (default "dense
# static10 static1 deepr10 deepr1"), CG_N (default 2), L1 (DEEP R, default 1e-8), PAD (1.0),
# JOBS (rows at once, default 2), NICE (10), SNNCC (default $BUILD/bin/snncc), OUT.
# The simulators are built for callgrind (valgrind lacks AVX-512): -march=x86-64-v3 and
# -fno-inline-functions-called-once -fno-inline-small-functions, which keep each phase its own function for the split
# (a call per phase and step: nothing next to the phases' work).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
H=${H:-512}
ALIF=${ALIF:-0}
CG_N=${CG_N:-2}
L1=${L1:-1e-8}
PAD=${PAD:-1.0}
JOBS=${JOBS:-2}
NICE=${NICE:-10}
SNNCC=${SNNCC:-$BUILD/bin/snncc}
FM=${FM:-/usr/share/datasets/fashion-mnist}
OUT=${OUT:-$BUILD/eprop-sparse-speed-h$H-a$ALIF}
PY=${PY:-/usr/bin/python3}
ROWS=${ROWS:-dense static10 static1 deepr10 deepr1}
mkdir -p "$OUT"
table() {
    $PY - "$OUT" "$CG_N" "$ROWS" <<'PY'
import os, re, subprocess, sys
out, n, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
def fns(path):
    """each function's own (exclusive) instructions, from callgrind_annotate"""
    txt = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=no", path],
                         capture_output=True, text=True, check=True).stdout
    total, f = None, {}
    for line in txt.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+PROGRAM TOTALS", line) or \
            re.match(r"\s*([\d,]+)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+):(\S+)", line) or \
            re.match(r"\s*([\d,]+)\s+(\S+):(\S+)", line)
        if m:
            name = re.sub(r"\.(constprop|isra|part|cold)\.\d+|\.cold$", "", m.group(3))
            name = re.sub(r"\'2$", "", name)
            f[name] = f.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, f
PHASES = [  # (phase, pattern on the function name)
    ("syn_dynamics: per-synapse traces, gradient (IH, HH)", r"snn_syn_dynamics_(IH|HH)(_row|_run)?$"),
    ("syn_dynamics of HO (dense readout, add_to_pre)", r"snn_syn_dynamics_HO$"),
    ("add_to_pre sums (HO -> H)", r"snn_pre_inputs_|snn_xacc"),
    ("Learn: Adam (+ DEEP R sign/L1)", r"snn_cugroup_Learn$"),
    ("Softmax (3 custom updates)", r"snn_cugroup_Softmax$"),
    ("pre traces (per source)", r"snn_plastic_pre_"),
    ("post traces (per target)", r"snn_plastic_post_"),
    ("input spike source (data set, per step)", r"snn_(update|gather)_In$"),
    ("neurons H, Out (update, gather)", r"snn_(update|gather)_"),
    ("propagate spikes", r"snn_propagate_"),
    ("DEEP R rewiring (snn_rewire_*)", r"snn_rewire_"),
    ("data set, reset between examples, loop", r"."),
]
res = {}
for r in rows:
    a, b = f"{out}/{r}/cg{n}.out", f"{out}/{r}/cg{2 * n}.out"
    if not (os.path.exists(a) and os.path.exists(b)):
        continue
    (ta, fa), (tb, fb) = fns(a), fns(b)
    per = {}
    for k in set(fa) | set(fb):
        d = (fb.get(k, 0) - fa.get(k, 0)) / n
        for ph, pat in PHASES:
            if re.search(pat, k):
                per[ph] = per.get(ph, 0) + d
                break
    syn = open(f"{out}/{r}/synapses.txt").read().strip() if os.path.exists(f"{out}/{r}/synapses.txt") else "?"
    res[r] = ((tb - ta) / n, per, syn)
if not res:
    sys.exit("no finished rows in " + out)
d = res.get("dense", (None,))[0]
dm = res.get("dense_mat", (None,))[0]
print(f"instructions per training example (callgrind, 1 epoch of {2 * n} - 1 epoch of {n}, / {n}):")
print(f"{'row':10} {'IH + HH + HO synapses':>24} {'M instr/example':>16} {'dense / row':>12}"
      + (f" {'dense_mat / row':>16}" if dm else ""))
for r, (t, per, syn) in res.items():
    print(f"{r:10} {syn:>24} {t / 1e6:16.2f} {(d / t if d else float('nan')):11.2f}x"
          + (f" {dm / t:15.2f}x" if dm else ""))
print("\nper phase, M instructions per training example (share of the row):")
print(f"{'phase':54}" + "".join(f"{r:>17}" for r in res))
for ph, _ in PHASES:
    cells = []
    for r, (t, per, _) in res.items():
        v = per.get(ph, 0.0)
        cells.append(f"{v / 1e6:9.2f} ({100 * v / t:4.1f}%)")
    print(f"{ph:54}" + "".join(f"{c:>17}" for c in cells))
PY
}
if [ "${1:-}" = --table ]; then table; exit 0; fi
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz; do
    [ -f "$FM/$f" ] || { echo "bench/eprop_sparse_speed.sh: $FM/$f is missing (apt-get install \
dataset-fashion-mnist, or FM=dir)" >&2; exit 2; }
done
CFLAGS_CG="-O3 -march=x86-64-v3 -fno-math-errno -fno-trapping-math -ffp-contract=off -fopenmp -g \
-fno-inline-functions-called-once -fno-inline-small-functions"
row() {
    local name=$1 d="$OUT/$1" p=1 defs=()
    rm -rf "$d"
    mkdir -p "$d"
    case $name in
        dense) ;;
        dense_mat) defs=(-D rec_autapses=1) ;;
        static10) p=0.1 ;;
        static1) p=0.01 ;;
        deepr10) p=0.1 defs=(-D deepr=1 -D l1="$L1" -D pad="$PAD") ;;
        deepr1) p=0.01 defs=(-D deepr=1 -D l1="$L1" -D pad="$PAD") ;;
        *) echo "bench/eprop_sparse_speed.sh: unknown row '$name'" >&2; return 2 ;;
    esac
    defs+=(-D inputs=784 -D classes=10 -D hidden="$H" -D alif="$ALIF" -D p_in=$p -D p_rec=$p)
    nice -n "$NICE" "$SNNCC" -q --cflags "$CFLAGS_CG" models/eprop_classifier.lua "${defs[@]}" \
        -o "$d/sim"
    echo "$SNNCC models/eprop_classifier.lua ${defs[*]}" >"$d/build.txt"
    for n in "$CG_N" $((2 * CG_N)); do
        mkdir -p "$d/cg$n"
        cat >"$d/cg$n/train.yaml" <<EOF
train:
  epochs: 1
  train: { In: $FM/train-images-idx3-ubyte.gz }
  shuffle: false
  evaluate_every: 0
  reset: example
  keep: [Out.b]
  groups: { batch_end: [Learn] }
  metrics: { output: Out.pi_sum, loss: Out.ce }
  save: { dir: $d/cg$n/weights, vars: [IH.w, HH.w, HO.w, Out.b] }
datasets: { In: { encode: log_latency, tau: 20, threshold: 51, limit: $n } }
threads: 1
EOF
        nice -n "$NICE" valgrind --tool=callgrind --callgrind-out-file="$d/cg$n.out" \
            "$d/sim/eprop_classifier" --config "$d/cg$n/train.yaml" --output "$d/cg$n/out" \
            --quiet 2>"$d/cg$n.log"
    done
    # the synapses of the three projections (run.json of the run)
    $PY - "$d/cg$CG_N/out/run.json" >"$d/synapses.txt" <<'PY' || true
import json, sys
j = json.load(open(sys.argv[1]))
def find(o):
    if isinstance(o, dict):
        if "synapses" in o and "name" in o and isinstance(o["synapses"], int):
            yield o["name"], o["synapses"]
        for v in o.values():
            yield from find(v)
    elif isinstance(o, list):
        for v in o:
            yield from find(v)
s = dict(find(j))
print(" + ".join(str(s.get(p, "?")) for p in ("IH", "HH", "HO")))
PY
}
echo "rows: $ROWS; H=$H ALIF=$ALIF CG_N=$CG_N; load: $(uptime)"
running=0
for r in $ROWS; do
    { row "$r" && echo "done $r ($(date -u +%H:%M))" || echo "FAILED $r: see $OUT/$r"; } &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
echo "load after: $(uptime)"
table
