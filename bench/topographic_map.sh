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
# The figures also go to $OUT/phases.tsv and, with PNG=1 (default) and matplotlib, to
# $OUT/performance.png: seconds of wall time per second of model time per phase and
# scale, stacked, with the real-time line (1) and the goal (0.5), as KSN25's figure.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SCALES=${SCALES:-"1 2 3 4 5 6 7"}
DURATION=${DURATION:-60}
DURATION_BIG=${DURATION_BIG:-$DURATION}
THREADS=${THREADS:-2}
METRICS=${METRICS:-1}
PY=${PY:-/usr/bin/python3}
PNG=${PNG:-1}
OUT="$BUILD/bench-topomap"
mkdir -p "$OUT"
printf 'scale\tN\tmodel_s\tconstruct_s\tsim_s\tstep_s\tdeliver_s\trewire_s\tcolumns_s\n' >"$OUT/phases.tsv"
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
    $PY - "$d/out/run.json" "$s" "$dur" "$OUT/phases.tsv" <<'PY'
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
with open(sys.argv[4], "a") as f:
    f.write(f"{sys.argv[2]}\t{N}\t{sys.argv[3]}\t{t['construction_s']:.4f}\t"
            f"{t['simulation_s']:.4f}\t{rt['update_s']['max']:.4f}\t"
            f"{rt['deliver_s']['max']:.4f}\t{rw:.4f}\t{col:.4f}\n")
PY
    if [ "$METRICS" = 1 ]; then
        $PY tools/topomap_metrics.py "$d/out" | sed -n '1,/connection probability/p' |
            grep -v "connection probability" | sed 's/^/      /'
    fi
done
if [ "$PNG" = 1 ]; then
    $PY - "$OUT/phases.tsv" "$OUT/performance.png" <<'PY' || echo "bench/topographic_map.sh: no PNG (matplotlib missing?)" >&2
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
if not rows:
    sys.exit(0)
sc = [int(r[0]) for r in rows]
per = lambda i: [float(r[i]) / float(r[2]) for r in rows]  # wall s per model s
sim, step, dlv, rw, col = per(4), per(5), per(6), per(7), per(8)
rest = [max(0.0, a - b - c - d - e) for a, b, c, d, e in zip(sim, step, dlv, rw, col)]
fig, ax = plt.subplots(figsize=(6, 4))
bottom = [0.0] * len(sc)
for vals, lab in ((step, "neuron update, postsynaptic, traces"), (dlv, "spike delivery (presynaptic)"),
                  (rw, "connectivity updates"), (col, "column view patches"), (rest, "other")):
    ax.bar(sc, vals, bottom=bottom, label=lab)
    bottom = [b + v for b, v in zip(bottom, vals)]
ax.axhline(1.0, color="k", lw=1, ls="--", label="real time")
ax.axhline(0.5, color="grey", lw=1, ls=":", label="goal 0.5")
ax.set_xlabel("scale s (N = (16 s)^2 neurons per layer)")
ax.set_ylabel("wall time per model time")
ax.set_xticks(sc)
ax.legend(fontsize=7)
ax.set_title("topographic map, C back end")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print("figure:", sys.argv[2])
PY
fi
