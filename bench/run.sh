#!/usr/bin/env bash
# bench/run.sh - `make bench`: build models/brunel.lua and time it.
# Prints, per repetition and as medians: network construction (wall s), simulation of
# 1 s biological time (wall s), real-time factor, synapses and peak memory.  Timings come
# from the simulators' run.json.  Knobs: REPS (default 3), TIME (ms, default 1000),
# MODEL (default models/brunel.lua), SNNCC_FLAGS (extra snncc flags, e.g. -D scale=2),
# PEER (default auto: when Brian2 is installed and MODEL is brunel, the same network runs
# in Brian2's C++ standalone mode right after, and the snncc/Brian2 ratios are printed;
# PEER=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-3}
TIME=${TIME:-1000}
MODEL=${MODEL:-models/brunel.lua}
OUT="$BUILD/bench"
mkdir -p "$OUT"
# shellcheck disable=SC2086
"$BUILD/bin/snncc" -q $MODEL ${SNNCC_FLAGS:-} -o "$OUT/sim"
sim=$(find "$OUT/sim" -maxdepth 1 -type f -perm -u+x | head -n 1)
echo "benchmark: $MODEL, $TIME ms biological time, $REPS repetitions ($(nproc) cores, $(uname -m))"
for r in $(seq 1 "$REPS"); do
    "$sim" --time "$TIME" --output "$OUT/run$r" --quiet
done
peer=""
if [ "${PEER:-auto}" != 0 ] && [ "$MODEL" = models/brunel.lua ] && [ -z "${SNNCC_FLAGS:-}" ] &&
    /usr/bin/python3 -c 'import brian2' 2>/dev/null; then
    echo "peer: Brian2 C++ standalone, same network (bench/peers/brunel_brian2.py)"
    peer=$(/usr/bin/python3 bench/peers/brunel_brian2.py "$TIME" 2>/dev/null | grep '^brian2' || true)
fi
/usr/bin/python3 - "$OUT" "$REPS" "$peer" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{out}/run{r}/run.json")) for r in range(1, reps + 1)]
print(f"{'rep':>4} {'codegen s':>10} {'compile s':>10} {'construct s':>12} {'simulate s':>11} {'RTF':>7} {'spikes':>9}")
for r, j in enumerate(runs, 1):
    t = j["timers"]
    spikes = sum(p["spikes"] for p in j["populations"])
    print(f"{r:>4} {t['codegen_s'] or 0:>10.3f} {t['compile_s'] or 0:>10.2f} {t['construction_s']:>12.3f} "
          f"{t['simulation_s']:>11.3f} {t['real_time_factor']:>7.3f} {spikes:>9}")
med = lambda k: statistics.median(j["timers"][k] for j in runs)
j = runs[0]
syn = j["sizes"]["synapses"]
print(f"median: construction {med('construction_s'):.3f} s, simulation {med('simulation_s'):.3f} s, "
      f"real-time factor {med('real_time_factor'):.3f}")
print(f"network: {j['sizes']['neurons']} neurons, {syn} synapses, "
      f"{j['sizes']['synapse_bytes'] / syn:.2f} bytes/synapse, peak RSS {j['memory']['peak_rss_bytes'] / 1e6:.1f} MB")
peer = sys.argv[3]
if peer:
    import re
    c, s = map(float, re.findall(r"construction ([0-9.]+) s, simulation ([0-9.]+) s", peer)[0])
    print(peer)
    print(f"snncc/Brian2: construction {med('construction_s') / c:.2f}, simulation {med('simulation_s') / s:.2f}")
PY
