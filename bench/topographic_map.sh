#!/usr/bin/env bash
# bench/topographic_map.sh - models/topographic_map.lua (the Bamford rule on
# connectivity_update{ candidates = ... }) at full size, as KSN25's performance figure
# (docs/performance.md "Topographic map").  Not a test: prints figures.
#
#   SCALES="1 2 3 4 5 6 7" DURATION=60 DURATION_BIG=5 THREADS=2 bench/topographic_map.sh
#
# For each scale s (n = 16 s, N = n^2 neurons per layer) it builds the model for DURATION
# seconds of model time (default 60; DURATION_BIG, default DURATION, for s >= 4, whose
# runs are long on two cores; the synapses recorded only at the start and the end), runs
# it on THREADS threads (default 2; step_threads auto: small scales step on one) and prints
# per phase:
# construction (construct_s), the simulation's wall time (sim_s), the real-time factor
# (sim_s / model time, as run.json's real_time_factor and KSN25's figure: below 1 is
# faster than real time), the step's phases other than delivery (neuron updates, pre- and
# postsynaptic code, traces: step_s, run.json rank_timers update_s) and spike delivery
# (deliver_s), the two connectivity updates' time (rewire_s: connectivity_updates
# update_s) and the column views' patching (columns_s), their share of sim_s, the
# synapses at the end, and (METRICS=1, default) the feed-forward map's metrics at the
# start and end from tools/topomap_metrics.py.  Wall times on a loaded machine are mostly
# waiting for a core: docs/performance.md gives instruction counts (callgrind) too.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SCALES=${SCALES:-"1 2 3 4 5 6 7"}
DURATION=${DURATION:-60}
DURATION_BIG=${DURATION_BIG:-$DURATION}
THREADS=${THREADS:-2}
METRICS=${METRICS:-1}
PY=${PY:-/usr/bin/python3}
OUT="$BUILD/bench-topomap"
mkdir -p "$OUT"
printf '%-5s %6s %7s %11s %9s %7s %9s %9s %9s %9s %6s %9s\n' scale N model_s construct_s \
    sim_s RTF step_s deliver_s rewire_s columns_s share synapses
for s in $SCALES; do
    d="$OUT/s$s"
    dur=$DURATION
    [ "$s" -ge 4 ] && dur=$DURATION_BIG
    "$BUILD/bin/snncc" -q -D scale="$s" -D duration="$dur" -D snapshots=1 \
        models/topographic_map.lua -o "$d/sim"
    "$d/sim/topographic_map" --time "$((dur * 1000))" --quiet --output "$d/out" \
        --set threads="$THREADS"
    $PY - "$d/out/run.json" "$s" "$dur" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t, rt = j["timers"], j["rank_timers"]
cu = j["connectivity_updates"]
rw = sum(c["update_s"] for c in cu)
col = sum(c["columns_s"] for c in cu)
N = next(p["size"] for p in j["populations"] if p["name"] == "T")
print(f"{sys.argv[2]:<5} {N:6d} {float(sys.argv[3]):7.0f} {t['construction_s']:11.2f} "
      f"{t['simulation_s']:9.2f} {t['real_time_factor']:7.3f} "
      f"{rt['update_s']['max']:9.2f} {rt['deliver_s']['max']:9.2f} {rw:9.2f} {col:9.2f} "
      f"{(rw + col) / t['simulation_s']:6.1%} {sum(c['synapses'] for c in cu):9d}")
PY
    if [ "$METRICS" = 1 ]; then
        $PY tools/topomap_metrics.py "$d/out" | sed -n '1,/connection probability/p' |
            grep -v "connection probability" | sed 's/^/      /'
    fi
done
