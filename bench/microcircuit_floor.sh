#!/usr/bin/env bash
# bench/microcircuit_floor.sh - `make bench-mc-floor`: the microcircuit's spike delivery
# against the floor that the machine's memory bandwidth sets (issue 18; docs/performance.md
# "Full-scale microcircuit").  Not a test: prints figures.
#
#   N_SCALE=1 TIME=1000 THREADS=2 bench/microcircuit_floor.sh
#
# In one run: (1) the memory bandwidth, bench/stream/triad.c (STREAM's triad, 24 bytes
# counted per element) with TRIAD_MB MiB per array (default 256, beyond any cache), one
# process per thread at once, their best rates summed; (2) the microcircuit at N_SCALE
# (K_scale 1: every neuron keeps its full in- and out-degree) for TIME ms on THREADS
# threads; from its run.json the synaptic events (sum over projections of synapses x
# spikes of the source / its size) and the bytes each event reads (projection bytes /
# synapses: 2-byte index + 4-byte weight + 1-byte delay, plus the row headers).
# The floor: every event streams its synapse's bytes from memory once, nothing else
# (the dendritic rings, the neuron state and the spike lists are taken to stay in cache):
#   floor_s = events x bytes per event / bandwidth.
# Printed: the floor as a real-time factor, the measured simulation (wall, run.json) and
# the ratio; construction against its own floor (writing every synapse's bytes once).
# Wall times on a shared machine are noise: compare instruction counts (callgrind) there.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N_SCALE=${N_SCALE:-1}
TIME=${TIME:-1000}
THREADS=${THREADS:-2}
TRIAD_MB=${TRIAD_MB:-256}
CC=${CC:-cc}
PY=${PY:-/usr/bin/python3}
OUT="$BUILD/bench-mc-floor"
rm -rf "$OUT"
mkdir -p "$OUT"
$CC -O2 -Wall -Wextra bench/stream/triad.c -o "$OUT/triad"

# (1) bandwidth: THREADS triads at once (each one core), best rate of each, summed
for t in $(seq 1 "$THREADS"); do
    "$OUT/triad" $((TRIAD_MB * 1048576)) 5 >"$OUT/triad.$t" &
done
wait
cat "$OUT"/triad.* >"$OUT/triad.txt"

# (2) the model
"$BUILD/bin/snncc" -q models/microcircuit.lua -D N_scale="$N_SCALE" -o "$OUT/mc"
"$OUT/mc/microcircuit" --time "$TIME" --set threads="$THREADS" --quiet --output "$OUT/run"

"$PY" - "$OUT/triad.txt" "$OUT/run/run.json" "$N_SCALE" "$THREADS" <<'EOF'
import json, sys
bw = sum(float(l.split()[2]) for l in open(sys.argv[1]) if l.startswith("triad")) * 1e9
r = json.load(open(sys.argv[2]))
pops = {p["name"]: p for p in r["populations"]}
ev = by = syn = sbytes = 0.0
for pj in r["projections"]:
    pre = pops[pj["pre"]]
    per_spike = pre["spikes"] / pre["size"]
    ev += pj["synapses"] * per_spike
    by += pj["bytes"] * per_spike
    syn += pj["synapses"]
    sbytes += pj["bytes"]
tm = r["timers"]
T = r["run"]["duration_ms"] / 1000.0
floor = by / bw
sim = tm["simulation_s"]
cfloor = sbytes / bw
print(f"microcircuit N_scale={sys.argv[3]}, {T:g} s, threads={sys.argv[4]}: "
      f"{r['sizes']['neurons']} neurons, {int(syn)} synapses, "
      f"peak RSS {r['memory']['peak_rss_bytes'] / 1e9:.2f} GB")
print(f"  bandwidth (triad, {sys.argv[4]} at once, summed best): {bw / 1e9:.2f} GB/s")
print(f"  synaptic events: {ev:.4g} ({ev / T:.4g} per s of model time), "
      f"{by / ev:.3f} bytes per event")
print(f"  delivery floor: {floor:.3f} s = real-time factor {floor / T:.3f}")
print(f"  simulation (wall): {sim:.3f} s = real-time factor {sim / T:.3f}; "
      f"{sim / floor:.1f}x the floor")
print(f"  construction (wall): {tm['construction_s']:.3f} s; floor (writing "
      f"{sbytes / 1e9:.2f} GB once) {cfloor:.3f} s; {tm['construction_s'] / cfloor:.1f}x")
EOF
