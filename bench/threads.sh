#!/usr/bin/env bash
# bench/threads.sh - step threads, 1 vs 2 (issue 18; docs/performance.md "Step threads").
#
# COBA (TIME_COBA ms, default 2000), Brunel (TIME_BRUNEL, 1000) and hpc_benchmark at scale
# HPC_SCALE (default 0.2; TIME_HPC, 500), each run in these configurations, alternating
# (A B C D A B C D ...), REPS rounds (default 3):
#   1t     threads=1 (one thread block: one step thread, no pool)
#   2f     threads=2, step_threads=2 (two step threads forced: the pool of rt_pool.c)
#   2auto  threads=2 (the run chooses its step threads: rt_pool.c's probe)
#   o1t, o2f, o2auto  the same three built by OLD_SNNCC (optional: another snncc, e.g. the
#          build of an earlier commit, alternated with this one's in the same rounds; the
#          ratios stay to this build's 1t, so an older build's own ratio is o2f / o1t;
#          o2auto was "2omp" before the seventeenth session)
# first on the machine as it is, then with BUSY=1 a competing busy process
# (sh -c 'while :; do :; done') running throughout.  Prints, per model and configuration,
# the median of the simulation wall time (run.json timers.simulation_s), min and max, and
# the ratio to 1t; plus the load average before and after.  The spikes of every run are
# compared with 1t's (they must be identical).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
REPS=${REPS:-3}
TIME_COBA=${TIME_COBA:-2000}
TIME_BRUNEL=${TIME_BRUNEL:-1000}
TIME_HPC=${TIME_HPC:-500}
HPC_SCALE=${HPC_SCALE:-0.2}
BUSY=${BUSY:-0}
OLD_SNNCC=${OLD_SNNCC:-}
OUT="$BUILD/bench-threads"
mkdir -p "$OUT"

build() { # snncc tag
    "$1" -q models/coba.lua -o "$OUT/$2_coba"
    "$1" -q models/brunel.lua -o "$OUT/$2_brunel"
    "$1" -q -D scale="$HPC_SCALE" models/hpc_benchmark.lua -o "$OUT/$2_hpc"
}
build "$BUILD/bin/snncc" new
configs=(1t 2f 2auto)
if [ -n "$OLD_SNNCC" ]; then
    build "$OLD_SNNCC" old
    configs+=(o1t o2f o2auto)
fi

busy_pid=
stop_busy() { [ -n "$busy_pid" ] && kill "$busy_pid" 2>/dev/null; busy_pid=; }
trap stop_busy EXIT
if [ "$BUSY" = 1 ]; then
    sh -c 'while :; do :; done' &
    busy_pid=$!
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); busy process: ${busy_pid:-none}"

run() { # model config round
    local m=$1 c=$2 r=$3 bin args tag=new t
    case $m in
    coba) bin=coba t=$TIME_COBA ;;
    brunel) bin=brunel t=$TIME_BRUNEL ;;
    hpc) bin=hpc_benchmark t=$TIME_HPC ;;
    esac
    case $c in
    1t | o1t) args=(--set threads=1) ;;
    2f | o2f) args=(--set threads=2 --set step_threads=2) ;;
    2auto | o2auto) args=(--set threads=2) ;;
    esac
    case $c in o*) tag=old ;; esac
    "$OUT/${tag}_$m/$bin" --time "$t" --quiet --output "$OUT/o_${m}_${c}_$r" "${args[@]}" 2>/dev/null
}
for m in coba brunel hpc; do
    for r in $(seq 1 "$REPS"); do
        for c in "${configs[@]}"; do
            run "$m" "$c" "$r"
        done
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_busy

/usr/bin/python3 - "$OUT" "$REPS" "${configs[@]}" <<'PY'
import filecmp, glob, json, os, statistics, sys
out, reps, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"{'model':8} {'config':6} {'median s':>9} {'min':>7} {'max':>7} {'/ 1t':>6}  step threads (auto: chosen / probes)")
for m in ("coba", "brunel", "hpc"):
    base = None
    ref = sorted(glob.glob(f"{out}/o_{m}_1t_1/spikes_*.npy"))
    for c in configs:
        ts, notes = [], []
        for r in range(1, reps + 1):
            d = f"{out}/o_{m}_{c}_{r}"
            j = json.load(open(f"{d}/run.json"))
            ts.append(j["timers"]["simulation_s"])
            p = j["parallel"]
            if "step_threads" in p:
                notes.append(f"{p['step_threads']}/{p['step_probe']['probes']}" if c.endswith("2auto")
                             else str(p["step_threads"]))
            for f in ref:
                if not filecmp.cmp(f, f"{d}/{os.path.basename(f)}", shallow=False):
                    sys.exit(f"{m} {c} round {r}: {os.path.basename(f)} differs from 1t")
        med = statistics.median(ts)
        base = base or med
        print(f"{m:8} {c:6} {med:9.3f} {min(ts):7.3f} {max(ts):7.3f} {med / base:6.2f}  {' '.join(notes)}")
print("spikes: identical to 1t in every run")
PY
