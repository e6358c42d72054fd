#!/usr/bin/env bash
# bench/checkpoint_ranks_mem.sh [SCALE]: what a restore on another number of MPI ranks holds
# and reads, per rank (docs/run.md "Another number of ranks"): hpc_benchmark -D plastic=1 at
# SCALE (0.05), checkpoints after 5 ms on 1 and 2 ranks, restored 2 -> 1, 1 -> 2, 2 -> 3 and
# 2 -> 2; per rank the peak RSS (/usr/bin/time -f %M) and the bytes its read and pread64
# calls returned (strace). Needs strace and Open MPI; BUILD (build) names the snncc build.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SCALE=${1:-0.05}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"${BUILD:-build}/bin/snncc" -q --mpi -D scale="$SCALE" -D plastic=1 models/hpc_benchmark.lua -o "$W/hm"
sim=$W/hm/hpc_benchmark
MR=(mpirun --oversubscribe)
for np in 1 2; do
    "${MR[@]}" -np $np "$sim" --time 5 --quiet --output "$W/a$np" \
        --set checkpoint.dir="$W/ck$np" --set checkpoint.at_end=true
done
cat >"$W/wrap.sh" <<'WRAP'
#!/bin/bash
r=${OMPI_COMM_WORLD_RANK:-0}
exec strace -qq -f -e trace=read,pread64 -o "$OUTD/strace.$r" /usr/bin/time -f "%M" -o "$OUTD/rss.$r" "$@"
WRAP
chmod +x "$W/wrap.sh"
echo "checkpoint bytes: 1 rank $(stat -c %s "$W/ck1/rank0/state.bin"), 2 ranks $(cat "$W"/ck2/rank*/state.bin | wc -c)"
for c in "2 1" "1 2" "2 3" "2 2"; do
    set -- $c
    o=$W/r$1to$2
    mkdir -p "$o"
    OUTD=$o "${MR[@]}" -x OUTD -np "$2" "$W/wrap.sh" "$sim" --time 10 --quiet --output "$o/out" \
        --restore "$W/ck$1"
    for r in $(seq 0 $(($2 - 1))); do
        rd=$(grep -v "resumed>\|unfinished" "$o/strace.$r" | grep -o "= [0-9]*$" | awk '{s += $2} END {print s}')
        echo "$1 -> $2 ranks, rank $r: peak RSS $(cat "$o/rss.$r") KB, read $rd bytes"
    done
done
