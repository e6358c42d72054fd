#!/usr/bin/env bash
# bench/join_windows.sh - joining the step threads once per minimum delay (issue 18;
# docs/performance.md "Joining once per minimum delay"): Brunel (TIME_BRUNEL ms, default
# 500; minimum delay 15 steps: windows) and COBA (TIME_COBA, 2000; delay dt: a join every
# step), each built by OLD_SNNCC (a snncc from before the windows: a join every step) and by
# this tree's snncc, with CFLAGS; REPS rounds (default 3) of, alternating, old and new on
# 1 and 2 forced step threads (threads=2).  Prints one line per run: round, model, build
# (o/n), step threads, simulation wall time (run.json), load average; the spikes of every
# run are compared with the first run's of the model (they must be identical).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-3}
TIME_BRUNEL=${TIME_BRUNEL:-500}
TIME_COBA=${TIME_COBA:-2000}
CFLAGS=${CFLAGS:-"-O3 -march=x86-64-v3 -fno-math-errno -fno-trapping-math -ffp-contract=off -fopenmp"}
: "${OLD_SNNCC:?set OLD_SNNCC to a snncc from before the windows}"
OUT="$BUILD/bench-join"
mkdir -p "$OUT"
for m in brunel coba; do
    "$OLD_SNNCC" -q --cflags "$CFLAGS" "models/$m.lua" -o "$OUT/o_$m"
    "$BUILD/bin/snncc" -q --cflags "$CFLAGS" "models/$m.lua" -o "$OUT/n_$m"
done
for r in $(seq "$REPS"); do
    for mt in "brunel $TIME_BRUNEL" "coba $TIME_COBA"; do
        set -- $mt
        for v in o n; do
            for st in 1 2; do
                d="$OUT/run_${1}_${v}_$st"
                "$OUT/${v}_$1/$1" --time "$2" --output "$d" --quiet --set threads=2 \
                    --set step_threads=$st 2>/dev/null
                ref="$OUT/run_${1}_o_1"
                for f in "$ref"/*.npy; do
                    cmp -s "$f" "$d/$(basename "$f")" || { echo "spikes differ: $d" >&2; exit 1; }
                done
                t=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['timers']['simulation_s'])" "$d/run.json")
                echo "$r $1 $v st=$st $t $(cut -d' ' -f1 /proc/loadavg)"
            done
        done
    done
done
