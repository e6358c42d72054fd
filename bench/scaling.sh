#!/usr/bin/env bash
# bench/scaling.sh - `make bench-scaling`: ranks and threads on this machine (issue 5).
#
# 1. Strong scaling of models/hpc_benchmark.lua (scale 1: 11,250 neurons, 1.27e8
#    synapses, TIME ms, default 1100 = 0.1 s warm-up + 1 s): 1 process x 1 thread,
#    1 process x 2 threads, 2 ranks x 1 thread (collective and p2p exchange).  The
#    configurations alternate, REPS times each (default 3), and the medians of
#    construction and simulation wall time are printed with the parallel efficiency
#    T(1) / (2 T(2)).
# 2. Spike exchange volume: bytes sent per rank per exchange interval, measured at 2 and
#    4 ranks in both modes for the reduced microcircuit (N_scale=0.1, K_scale=1) and
#    hpc_benchmark, compared with the model in bench/exchange_model.py, which then
#    projects the full-scale microcircuit and hpc_benchmark at scale 100 to 1,000 and
#    10,000 ranks.
# OVERLAP=I: part 1 also runs 2 ranks with exchange_interval I (below the minimum delay,
# 15 steps: the exchange of each I steps overlaps the next 15 - I steps), both modes.
# PLASTIC=1: part 1 with -D plastic=1 (stdp_pl on E->E; presynaptic traces make the MPI
# runs exchange every step), and no part 2.
# Run on an otherwise idle machine: with other processes on the cores, threads that wait
# at the end of every step for a descheduled peer dominate the timings.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-3}
TIME=${TIME:-1100}
PLASTIC=${PLASTIC:-0}
OVERLAP=${OVERLAP:-}
OUT="$BUILD/bench-scaling"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$OUT"
SNNCC="$BUILD/bin/snncc"
"$SNNCC" -q -D plastic="$PLASTIC" models/hpc_benchmark.lua -o "$OUT/hpc"
"$SNNCC" -q --mpi -D plastic="$PLASTIC" models/hpc_benchmark.lua -o "$OUT/hpc_mpi"
what=""
[ "$PLASTIC" = 0 ] || what=", plastic (stdp_pl on E->E)"
echo "strong scaling: hpc_benchmark scale 1$what, $TIME ms, $REPS repetitions ($(nproc) cores)"
for r in $(seq 1 "$REPS"); do
    "$OUT/hpc/hpc_benchmark" --time "$TIME" --quiet --output "$OUT/1x1_$r"
    "$OUT/hpc/hpc_benchmark" --time "$TIME" --quiet --output "$OUT/1x2_$r" --set threads=2
    mpirun -np 2 "$OUT/hpc_mpi/hpc_benchmark" --time "$TIME" --quiet --output "$OUT/2x1c_$r"
    mpirun -np 2 "$OUT/hpc_mpi/hpc_benchmark" --time "$TIME" --quiet --output "$OUT/2x1p_$r" \
        --set exchange=p2p
    if [ -n "$OVERLAP" ]; then
        mpirun -np 2 "$OUT/hpc_mpi/hpc_benchmark" --time "$TIME" --quiet --output "$OUT/2x1co_$r" \
            --set exchange_interval="$OVERLAP"
        mpirun -np 2 "$OUT/hpc_mpi/hpc_benchmark" --time "$TIME" --quiet --output "$OUT/2x1po_$r" \
            --set exchange=p2p --set exchange_interval="$OVERLAP"
    fi
done
/usr/bin/python3 - "$OUT" "$REPS" "$OVERLAP" <<'PY'
import json, statistics, sys
out, reps, overlap = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def load(tag):
    return [json.load(open(f"{out}/{tag}_{r}/run.json")) for r in range(1, reps + 1)]
cfgs = [("1x1", "1 process, 1 thread"), ("1x2", "1 process, 2 threads"),
        ("2x1c", "2 ranks, collective"), ("2x1p", "2 ranks, p2p")]
if overlap:
    cfgs += [("2x1co", f"2 ranks, coll., I={overlap}"), ("2x1po", f"2 ranks, p2p, I={overlap}")]
res = {}
spikes0 = None
print(f"{'configuration':<22} {'construct s':>12} {'simulate s':>11} {'eff. construct':>15} "
      f"{'eff. simulate':>14} {'spikes':>9}")
for tag, name in cfgs:
    runs = load(tag)
    c = statistics.median(j["timers"]["construction_s"] for j in runs)
    s = statistics.median(j["timers"]["simulation_s"] for j in runs)
    spikes = sum(p["spikes"] for p in runs[0]["populations"])
    final = [p.get("final_checksum") for p in runs[0]["projections"]]
    spikes0 = spikes0 if spikes0 is not None else spikes
    final0 = final if tag == "1x1" else final0
    assert spikes == spikes0, f"{name}: {spikes} spikes, 1x1 had {spikes0}"
    assert final == final0, f"{name}: final synapse checksums {final}, 1x1 had {final0}"
    res[tag] = (c, s)
    ec = res["1x1"][0] / (2 * c) if tag != "1x1" else 1.0
    es = res["1x1"][1] / (2 * s) if tag != "1x1" else 1.0
    print(f"{name:<22} {c:>12.3f} {s:>11.3f} {ec:>15.2f} {es:>14.2f} {spikes:>9}")
for tag, name in cfgs[2:]:
    rt = load(tag)[0]["rank_timers"]
    print(f"{name}, per rank (min/median/max s): " + ", ".join(
        f"{k[:-2]} {v['min']:.3f}/{v['median']:.3f}/{v['max']:.3f}" for k, v in rt.items()
        if k in ("simulation_s", "communicate_s", "wait_s")))
PY

[ "$PLASTIC" = 0 ] || exit 0
echo
echo "spike exchange volume (bytes sent per rank per interval), measured"
"$SNNCC" -q --mpi -D N_scale=0.1 -D K_scale=1 models/microcircuit.lua -o "$OUT/mc_mpi"
for np in 2 4; do
    for ex in collective p2p; do
        mpirun --oversubscribe -np $np "$OUT/mc_mpi/microcircuit" --time 300 --quiet \
            --output "$OUT/mcx_${np}_$ex" --set exchange=$ex
        mpirun --oversubscribe -np $np "$OUT/hpc_mpi/hpc_benchmark" --time 300 --quiet \
            --output "$OUT/hpcx_${np}_$ex" --set exchange=$ex
    done
done
/usr/bin/python3 bench/exchange_model.py "$OUT"
