#!/usr/bin/env bash
# gpu-bench.sh DIR [--with-c]: GPU timings of the bundle made by tools/gpu-bundle.sh.
#   - the full-scale cortical microcircuit, 10 s of biological time: real-time factor,
#     with stream launches and with CUDA graphs of 16 steps (run config cuda_graph_steps)
#   - Brunel's network (12,500 neurons), 10 s, the same two ways
#   - hpc_benchmark, 1 s, at growing scales until one does not fit: the largest that runs
#   - construction on the GPU (the default) against the host's build and copy
#     (SNN_CUDA_CONSTRUCT=host): the microcircuit, hpc_benchmark at scale 10, 100 ms each
# With --with-c the C simulators of the microcircuit and of hpc_benchmark at scale 1 run
# too (slow: minutes).  Results: DIR/results/bench/<run>/{run.json,cuda.json} and a table
# in DIR/results/bench/summary.txt.  Needs the CUDA driver, not Lua, MPI or compilers.
set -uo pipefail
DIR=$(cd "$1" && pwd)
WITH_C=${2:-}
if ! nvidia-smi -L >/dev/null 2>&1; then
    echo "SKIP: no GPU (nvidia-smi fails)"
    exit 0
fi
B="$DIR/results/bench"
mkdir -p "$B"
CMP="$DIR/bin/snn-compare"
THREADS=$(nproc 2>/dev/null || echo 4)
SUM="$B/summary.txt"
printf '%-22s %-5s %10s %12s %10s %12s  %s\n' run back construct_s simulation_s rtf gpu_time_s status >"$SUM"

one() { # name backend binary-dir options...
    local name=$1 be=$2 d=$3
    shift 3
    local sim out st
    sim=$(find "$d" -maxdepth 1 -type f -perm -u+x | head -n 1)
    out="$B/$name-$be"
    rm -rf "$out"
    echo "== $name ($be): $*"
    timeout 3600 "$sim" "$@" --set threads="$THREADS" --quiet --output "$out" >"$out.log" 2>&1
    st=$?
    local line
    line=$("$CMP" show "$out" 2>/dev/null | head -n 1)
    local cs ss rtf gt
    cs=$(echo "$line" | sed -n 's/.*construction \([0-9.e+-]*\) s.*/\1/p')
    ss=$(echo "$line" | sed -n 's/.*simulation \([0-9.e+-]*\) s.*/\1/p')
    rtf=$(echo "$line" | sed -n 's/.*real-time factor \([0-9.e+-]*\).*/\1/p')
    gt=$(sed -n 's/.*"gpu_time_s": \([0-9.e+-]*\).*/\1/p' "$out/cuda.json" 2>/dev/null)
    printf '%-22s %-5s %10s %12s %10s %12s  %s\n' "$name" "$be" "${cs:--}" "${ss:--}" "${rtf:--}" \
        "${gt:--}" "$([ $st -eq 0 ] && echo ok || echo "failed ($st)")" | tee -a "$SUM"
    [ $st -eq 0 ] || tail -n 3 "$out.log"
    return $st
}

one microcircuit cuda "$DIR/bench/microcircuit/cuda" --time 10000
one microcircuit_graph16 cuda "$DIR/bench/microcircuit/cuda" --time 10000 --set cuda_graph_steps=16
one brunel cuda "$DIR/sims/brunel/cuda" --time 10000
one brunel_graph16 cuda "$DIR/sims/brunel/cuda" --time 10000 --set cuda_graph_steps=16
largest=none
for d in "$DIR"/bench/hpc_s*/; do
    s=$(basename "$d")
    echo "${s#hpc_s}"
done | sort -n | while read -r scale; do
    if one "hpc_scale_$scale" cuda "$DIR/bench/hpc_s$scale/cuda" --time 1000; then
        echo "$scale" >"$B/hpc_largest"
    else
        echo "hpc_benchmark: scale $scale did not run; stopping here"
        break
    fi
done
[ -f "$B/hpc_largest" ] && largest=$(cat "$B/hpc_largest")
# construction: on the GPU (the runs above) against the host's build and copy
SNN_CUDA_CONSTRUCT=host one microcircuit_hostbuild cuda "$DIR/bench/microcircuit/cuda" --time 100
if [ -d "$DIR/bench/hpc_s10" ]; then
    one hpc_scale_10_short cuda "$DIR/bench/hpc_s10/cuda" --time 100
    SNN_CUDA_CONSTRUCT=host one hpc_scale_10_hostbuild cuda "$DIR/bench/hpc_s10/cuda" --time 100
fi
if [ -n "$WITH_C" ]; then
    one microcircuit c "$DIR/bench/microcircuit/c" --time 10000
    one hpc_scale_1 c "$DIR/bench/hpc_s1/c" --time 1000
fi
echo "hpc_benchmark: largest scale that ran: $largest" | tee -a "$SUM"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/GPU: /' | tee -a "$SUM"
echo "summary: $SUM"
