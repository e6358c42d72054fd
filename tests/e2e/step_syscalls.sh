#!/usr/bin/env bash
# No system call per time step on one thread (issue: a futex per step came from an OpenMP
# region entered with if (0)): COBA run for 1000 and for 3000 steps under strace -c; the
# 2000 extra steps may add a few calls (recorder flushes) but not one per step.  The
# heartbeat (a thread rewriting run.json every 5 s of wall time) is set beyond the run.
# The same with 2 thread blocks run on one step thread (threads=2, step_threads=1: the
# blocks one after the other, no pool of step threads).
# It runs alone: under `make asan` beside other tests, one run made 221 sched_yield calls
# (the sanitizer runtime's spin locks when a thread holding one is descheduled; snncc's
# runtime makes none), which a loaded machine, not the step loop, caused; another, with a
# second test suite running beside it, 264: sched_yield is not counted.
# test: serial
set -euo pipefail
command -v strace >/dev/null || { echo "strace is missing (ci/install-deps installs it)"; exit 1; }
"$SNNCC" -q models/coba.lua -o "$WORK/coba"
calls() { # steps, more --set values -> total number of system calls of the run
    local n=$1
    shift
    SNN_HEARTBEAT_S=86400 strace -f -c -o "$WORK/strace_$n.txt" "$WORK/coba/coba" --time "$(( n / 10 ))" \
        --output "$WORK/out_$n" --quiet "$@" >/dev/null
    # every call but sched_yield: the sanitizer runtime's spin locks yield when a thread
    # holding one is descheduled (a loaded machine under make asan); snncc's runtime makes none
    awk '$1 ~ /^[0-9.]+$/ && $NF != "total" && $NF != "sched_yield" { n += $4 } END { print n + 0 }' \
        "$WORK/strace_$n.txt"
}
for set in "threads=1" "threads=2 step_threads=1"; do
    args=()
    for kv in $set; do args+=(--set "$kv"); done
    a=$(calls 1000 "${args[@]}")
    b=$(calls 3000 "${args[@]}")
    echo "$set: system calls: $a for 1000 steps, $b for 3000 steps"
    if [ $(( b - a )) -ge 20 ]; then
        echo "FAIL: $set: $(( b - a )) more system calls for 2000 more steps (per-step calls):"
        cat "$WORK/strace_3000.txt"
        exit 1
    fi
done
