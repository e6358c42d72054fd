#!/usr/bin/env bash
# bench/dynamics_bw.sh - `make bench-dynamics`: per-synapse `dynamics` throughput against
# the memory bandwidth (issue 13's benchmark; docs/performance.md "Per-synapse dynamics
# against memory bandwidth").  Not a test: prints figures.
#
#   B=32 STEPS=300 REPS=3 bench/dynamics_bw.sh
#
# The model: 784 sources -> 128 targets, all_to_all stored dense, single precision, B
# lanes (network{ batch = B }); the weight shared by the lanes, a per-lane eligibility-like
# trace e updated every step by  e = a * e + z_pre * V_post  (z_pre and V_post per-neuron
# variables that change every step; nothing spikes).  A second build without the dynamics
# (everything else equal) is the baseline; the difference in the step loop's wall time
# (CPU time of the process, user + sys: the waits for a core on a loaded machine left out;
# run.json's wall timers.simulation_s printed too), divided by 784 x 128 x B x STEPS, is the time of one
# synapse-lane update.  Bytes moved per update: e read and written, 2 x 4 bytes (the
# per-neuron reads are 912 per lane and step against 100,352 synapses: < 1 %; w, which the
# code only reads, is not stored back, and its load is dead).
# The bandwidth: bench/stream/triad.c (a[i] = b[i] + s c[i], STREAM's 24 bytes per
# element) on one core, measured between the runs of the same script, with arrays of
# (a) the lanes' trace working set (B x 784 x 128 x 4 bytes) split in 3 and (b) TRIAD_MB
# (default 256) MiB per array, beyond any cache: the DRAM bound.
# REPS rounds, each: triad (both sizes), with dynamics, without (alternating); medians.
# CALLGRIND=1 also counts instructions per synapse-lane update (callgrind, 2 lanes,
# CG_STEPS and 2 CG_STEPS steps, the difference, x86-64-v3 build; the baseline's subtracted).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B=${B:-32}
STEPS=${STEPS:-300}
REPS=${REPS:-3}
TRIAD_MB=${TRIAD_MB:-256}
THREADS=${THREADS:-1}
CALLGRIND=${CALLGRIND:-0}
CG_STEPS=${CG_STEPS:-10}
CC=${CC:-cc}
PY=${PY:-/usr/bin/python3}
OUT="$BUILD/bench-dynamics"
rm -rf "$OUT"
mkdir -p "$OUT"
$CC -O2 -Wall -Wextra bench/stream/triad.c -o "$OUT/triad"
model() { # model FILE DYNAMICS(0|1)
    local dyn=""
    [ "$2" = 0 ] || dyn='dynamics = "e = a * e + z_pre * V_post;",'
    cat >"$1" <<EOF
-- bench/dynamics_bw.sh's model (dynamics: $2)
network { name = "dynbw", dt = 1.0, seed = 5, precision = "float", batch = $B }
local src = neuron { name = "src", vars = { z = 0.0 }, sim = "z = 0.5 * z + 0.001 * id;" }
local tgt = neuron { name = "tgt", vars = { V = 0.0 }, sim = "V = 0.9 * V + 0.01;" }
local et = synapse { name = "etrace", params = { a = 0.95 }, vars = { w = 0.5, e = 0.0 },
                     shared = { "w" }, $dyn }
local S = population { "S", src, 784 }
local T = population { "T", tgt, 128 }
projection { S, T, name = "ST", conn = all_to_all(), format = "dense", synapse = et }
EOF
}
model "$OUT/dyn.lua" 1
model "$OUT/base.lua" 0
"$BUILD/bin/snncc" -q "$OUT/dyn.lua" -o "$OUT/dyn"
"$BUILD/bin/snncc" -q "$OUT/base.lua" -o "$OUT/base"
ws=$((B * 784 * 128 * 4))
echo "load before: $(uptime)"
: >"$OUT/runs.txt"
for _ in $(seq 1 "$REPS"); do
    echo "triad-ws $("$OUT/triad" $((ws / 3)) 50)" >>"$OUT/runs.txt"
    echo "triad-dram $("$OUT/triad" $((TRIAD_MB * 1048576)) 5)" >>"$OUT/runs.txt"
    for m in dyn base; do
        cat >"$OUT/$m.yaml" <<EOF
threads: $THREADS
EOF
        /usr/bin/time -f "%U %S" -o "$OUT/$m.cpu" "$OUT/$m/dynbw" --config "$OUT/$m.yaml" \
            --time "$STEPS" --quiet --output "$OUT/${m}_run" >/dev/null
        echo "$m $($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["timers"]["simulation_s"])' \
            "$OUT/${m}_run/run.json") $(tail -n 1 "$OUT/$m.cpu")" >>"$OUT/runs.txt"
    done
done
echo "load after: $(uptime)"
instr=""
if [ "$CALLGRIND" = 1 ]; then
    for m in dyn base; do
        sed -i "s/batch = $B }/batch = 2 }/" "$OUT/$m.lua"
        "$BUILD/bin/snncc" -q --cflags "-O3 -march=x86-64-v3 -fno-math-errno -fno-trapping-math \
-ffp-contract=off -fopenmp" "$OUT/$m.lua" -o "$OUT/cg_$m"
        for s in "$CG_STEPS" $((2 * CG_STEPS)); do
            valgrind --tool=callgrind --callgrind-out-file="$OUT/cg_$m$s.out" "$OUT/cg_$m/dynbw" \
                --time "$s" --quiet --output "$OUT/cg_${m}_$s" 2>/dev/null >/dev/null
            instr="$instr $(sed -n 's/^summary: *//p' "$OUT/cg_$m$s.out")"
        done
    done
fi
$PY - "$OUT/runs.txt" "$B" "$STEPS" "$ws" "$CG_STEPS" "$instr" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
B, steps, ws, cgs = map(int, sys.argv[2:6])
med = lambda k, i: st.median(float(r[i]) for r in rows if r[0] == k)
upd = 784 * 128 * B * steps
t_dyn, t_base = med("dyn", 1), med("base", 1)
c_dyn, c_base = med("dyn", 2) + med("dyn", 3), med("base", 2) + med("base", 3)
per = (c_dyn - c_base) / upd
per_wall = (t_dyn - t_base) / upd
bw_ws, bw_dram = med("triad-ws", 3), med("triad-dram", 3)
print(f"synapse dynamics 'e = a * e + z_pre * V_post', 784 x 128 dense, float, B = {B}, "
      f"{steps} steps, medians of {len(rows) // 4} rounds")
print(f"  CPU time (user + sys, whole run): {c_dyn:.2f} s with dynamics, {c_base:.2f} s without: "
      f"{per * 1e9:.3f} ns per synapse-lane update, {1 / per / 1e6:.1f} M updates/s")
print(f"  (wall time of the step loop: {t_dyn:.3f} s and {t_base:.3f} s: {per_wall * 1e9:.3f} ns "
      f"per update; on a loaded machine it includes waiting for a core)")
print(f"  bytes per update: 8 (e read + written; the read-only w is not stored back, nor "
      f"read) -> {8 / per / 1e9:.2f} GB/s")
for name, bw, what in (("working set", bw_ws, f"3 x {ws / 3 / 1e6:.1f} MB"),
                       ("DRAM", bw_dram, "3 x large arrays")):
    print(f"  triad ({what}; best CPU time of each run, median): {bw:.2f} GB/s -> bound "
          f"{bw * 1e9 / 8 / 1e6:.1f} M updates/s at 8 B; achieved {100 * 8 / per / 1e9 / bw:.1f} % "
          f"of the bound")
ins = sys.argv[6].split()
if len(ins) == 4:
    d1, d2, b1, b2 = map(int, ins)
    print(f"  instructions per synapse-lane update (callgrind, 2 lanes): "
          f"{((d2 - d1) - (b2 - b1)) / (784 * 128 * 2 * cgs):.2f}")
PY
