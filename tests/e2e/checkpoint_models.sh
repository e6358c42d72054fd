#!/usr/bin/env bash
# Checkpoint and restart of the shipped models named in issue 16: models/brunel.lua and the
# reduced microcircuit (models/microcircuit.lua -D N_scale=0.03: per-synapse delays, a
# dendritic ring, Poisson background). Each stops at a step drawn at random (printed, so a
# failure can be repeated with CKPT_STEP=N), checkpoints there and is restored to the end:
# the spike files of the first part and the restored part concatenated equal an
# uninterrupted run's, bitwise; brunel on 1 and 2 threads, the microcircuit on 1 thread, on
# 2 MPI ranks, and a checkpoint of 2 ranks restored on 1 process.
set -euo pipefail
source tests/lib/mpi.sh # MPIRUN, ok, fail
cd "$WORK"
T=300 # ms: 3000 steps of 0.1 ms
step=${CKPT_STEP:-$((RANDOM % 2800 + 100))}
echo "checkpoint at step $step (CKPT_STEP=$step repeats it)"
ms=$(awk -v s="$step" 'BEGIN { printf "%.1f", s / 10 }')

# same FULL FIRST SECOND POP...: FIRST's spikes then SECOND's equal FULL's
same() {
    $PY - "$@" <<'PY'
import sys
import numpy as np
full, first, second, pops = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
n = 0
for p in pops:
    f = f"spikes_{p}.npy"
    x = np.load(f"{full}/{f}")
    y = np.concatenate([np.load(f"{first}/{f}"), np.load(f"{second}/{f}")])
    assert x.tobytes() == y.tobytes(), f"{p}: {len(x)} vs {len(y)} spikes, or they differ"
    n += len(x)
assert n > 100, n
PY
}

"$SNNCC" -q "$OLDPWD/models/brunel.lua" -o br
for th in 1 2; do
    br/brunel --time $T --quiet --output bf$th --set threads=$th
    br/brunel --time "$ms" --quiet --output ba$th --set threads=$th \
        --set checkpoint.dir=bck$th --set checkpoint.at_end=true
    grep -q "\"step\": $step," bck$th/manifest.json || fail "brunel: no checkpoint at step $step"
    br/brunel --time $T --quiet --output bb$th --set threads=$th --restore bck$th
    same bf$th ba$th bb$th E I || fail "brunel, $th thread(s): restored at step $step differs"
done
ok "brunel, 1 and 2 threads: stopped at step $step, restored = uninterrupted"

"$SNNCC" -q "$OLDPWD/models/microcircuit.lua" -D N_scale=0.03 -o mc
"$SNNCC" -q --mpi "$OLDPWD/models/microcircuit.lua" -D N_scale=0.03 -o mcm
P="L23E L23I L4E L4I L5E L5I L6E L6I"
mc/microcircuit --time $T --quiet --output mf
# shellcheck disable=SC2086
{
    mc/microcircuit --time "$ms" --quiet --output ma --set checkpoint.dir=mck \
        --set checkpoint.at_end=true
    mc/microcircuit --time $T --quiet --output mb --restore mck
    same mf ma mb $P || fail "microcircuit: restored at step $step differs"
    "${MPIRUN[@]}" -np 2 mcm/microcircuit --time "$ms" --quiet --output m2a \
        --set checkpoint.dir=m2ck --set checkpoint.at_end=true
    "${MPIRUN[@]}" -np 2 mcm/microcircuit --time $T --quiet --output m2b --restore m2ck
    same mf m2a m2b $P || fail "microcircuit, 2 ranks: restored at step $step differs"
    mcm/microcircuit --time $T --quiet --output m21 --restore m2ck
    same mf m2a m21 $P || fail "microcircuit: 2 ranks' checkpoint restored on 1 process differs"
}
ok "reduced microcircuit (per-synapse delays), 1 process and 2 ranks, 2 ranks -> 1: stopped at step $step, restored = uninterrupted"
