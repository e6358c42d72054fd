#!/usr/bin/env bash
# bench/blocks_calib.sh - the work per step of the models that calibrate the run config
# 'blocks: auto' (issue 18; docs/performance.md "Thread blocks chosen from the model's size").
#
# Builds COBA, Brunel, hpc_benchmark (scale 0.2), the microcircuit (N_scale 0.1 and 1), the
# topographic map (s = 7, -D conn_bound=1) and the e-prop classifier (784 inputs, 128 and
# 512 hidden, Fashion-MNIST, 20 training examples) and runs each with TIME ms (per model
# below) in the configurations CONFIGS (default "1b 2t2 2auto": threads=1; threads=2 on two
# step threads; threads=2 with everything chosen by the run; also 2t1, and 2b1 / 2b2: two
# blocks forced on one / two step threads), REPS rounds alternating.  Prints per model and configuration the median
# simulation wall time per step, run.json's blocks choice (with a build that has it) and
# the step probe's one-thread work per step where it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-3}
CONFIGS=${CONFIGS:-"1b 2t2 2auto"}
MODELS=${MODELS:-"coba brunel hpc mc01 topo7 ep128 ep512"}
FM=${FM:-/usr/share/datasets/fashion-mnist}
OUT="$BUILD/bench-blocks"
mkdir -p "$OUT"
S="$BUILD/bin/snncc"
build() { # dir binary snncc-arguments...: always generated again (the snncc may be new)
    "$S" -q "${@:3}" -o "$OUT/$1"
}
for m in $MODELS; do
    case $m in
    coba) build coba coba models/coba.lua ;;
    brunel) build brunel brunel models/brunel.lua ;;
    hpc) build hpc hpc_benchmark -D scale=0.2 models/hpc_benchmark.lua ;;
    mc01) build mc01 microcircuit -D N_scale=0.1 models/microcircuit.lua ;;
    mc1) build mc1 microcircuit models/microcircuit.lua ;;
    topo7) build topo7 topographic_map -D scale=7 -D conn_bound=1 -D duration=1 models/topographic_map.lua ;;
    ep128 | ep512)
        build "$m" eprop_classifier -D inputs=784 -D classes=10 -D hidden="${m#ep}" -D alif=0 models/eprop_classifier.lua
        cat >"$OUT/$m.yaml" <<YAML
train:
  epochs: 1
  train: { In: $FM/train-images-idx3-ubyte.gz }
  evaluate_every: 0
  reset: example
  keep: [Out.b]
  groups: { batch_end: [Learn] }
  metrics: { output: Out.pi_sum, loss: Out.ce }
datasets: { In: { encode: log_latency, tau: 20, threshold: 51, limit: 20 } }
YAML
        ;;
    esac
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # model config round
    local m=$1 c=$2 r=$3 bin args=()
    case $m in
    coba) bin=coba/coba args=(--time 2000) ;;
    brunel) bin=brunel/brunel args=(--time 500) ;;
    hpc) bin=hpc/hpc_benchmark args=(--time 500) ;;
    mc01) bin=mc01/microcircuit args=(--time 300) ;;
    mc1) bin=mc1/microcircuit args=(--time 100) ;;
    topo7) bin=topo7/topographic_map args=(--time 300) ;;
    ep128 | ep512) bin=$m/eprop_classifier args=(--config "$OUT/$m.yaml") ;;
    esac
    case $c in
    1b) args+=(--set threads=1) ;;
    2b1) args+=(--set threads=2 --set blocks=2 --set step_threads=1) ;;
    2b2) args+=(--set threads=2 --set blocks=2 --set step_threads=2) ;;
    2t1) args+=(--set threads=2 --set step_threads=1) ;;
    2t2) args+=(--set threads=2 --set step_threads=2) ;;
    2auto) args+=(--set threads=2) ;;
    esac
    "$OUT/$bin" "${args[@]}" --quiet --output "$OUT/o_${m}_${c}_$r" 2>"$OUT/o_${m}_${c}_$r.err" ||
        { cat "$OUT/o_${m}_${c}_$r.err"; exit 1; }
}
for m in $MODELS; do
    for r in $(seq 1 "$REPS"); do
        for c in $CONFIGS; do
            run "$m" "$c" "$r"
        done
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$OUT" "$REPS" "$MODELS" "$CONFIGS" <<'PY'
import json, statistics, sys
out, reps, models, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split()
print(f"{'model':7} {'config':6} {'us/step':>9} {'min':>8} {'max':>8} {'/1b':>5}  blocks (choice: estimate us/join)")
for m in models:
    base = None
    for c in configs:
        ts, note = [], ""
        for r in range(1, reps + 1):
            j = json.load(open(f"{out}/o_{m}_{c}_{r}/run.json"))
            steps = j["run"]["steps_done"] or 1
            ts.append(j["timers"]["simulation_s"] / steps * 1e6)
            p = j["parallel"]
            note = f"{p.get('blocks', '?')}"
            if "blocks_choice" in p:
                note += f" ({p['blocks_choice']}: {p.get('blocks_work_per_join_us', '?')} us/join)"
            w = (p.get("step_probe") or {}).get("one_thread_work_s")
            if w:
                note += f" probe work/step {w * 1e6:.1f} us, /join {p['step_probe']['one_thread_work_per_join_s'] * 1e6:.1f} us"
        med = statistics.median(ts)
        base = base or med
        print(f"{m:7} {c:6} {med:9.2f} {min(ts):8.2f} {max(ts):8.2f} {med / base:5.2f}  {note}")
PY
