#!/usr/bin/env bash
# No system call per time step on one thread (issue: a futex per step came from an OpenMP
# region entered with if (0)): COBA run for 1000 and for 3000 steps under strace -c; the
# 2000 extra steps may add a few calls (recorder flushes) but not one per step.  The
# heartbeat (a thread rewriting run.json every 5 s of wall time) is set beyond the run.
set -euo pipefail
command -v strace >/dev/null || { echo "strace is missing (ci/install-deps installs it)"; exit 1; }
"$SNNCC" -q models/coba.lua -o "$WORK/coba"
calls() { # steps -> total number of system calls of the run
    SNN_HEARTBEAT_S=86400 strace -f -c -o "$WORK/strace_$1.txt" "$WORK/coba/coba" --time "$(( $1 / 10 ))" \
        --set threads=1 --output "$WORK/out_$1" --quiet >/dev/null
    awk '$NF == "total" { print $4 }' "$WORK/strace_$1.txt"
}
a=$(calls 1000)
b=$(calls 3000)
echo "system calls: $a for 1000 steps, $b for 3000 steps"
if [ $(( b - a )) -ge 20 ]; then
    echo "FAIL: $(( b - a )) more system calls for 2000 more steps (per-step calls):"
    cat "$WORK/strace_3000.txt"
    exit 1
fi
