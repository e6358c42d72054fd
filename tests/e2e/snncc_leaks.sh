#!/usr/bin/env bash
# snncc itself frees what it allocates (issue 12, defect 11: 576 bytes lost in
# synrec_scope for any model that records a synapse variable, so the ASan build of snncc
# exited 1).  Under `make asan` LeakSanitizer runs at snncc's exit; the e2e tests that
# record synapses source tests/lib/mpi.sh, which turns leak detection off for Open MPI's
# sake, so this test compiles such models (both back ends, every kind of recording) with
# leak detection forced on.  In a build without sanitizers it checks only that they
# compile.
set -euo pipefail
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
cat >"$WORK/m.lua" <<'LUA'
network { name = "leaks", dt = 0.1, seed = 3 }
local E = population { "E", lif, 20 }
local P = population { "P", poisson { rate = 50.0 }, 10 }
projection { P, E, conn = fixed_probability(0.5), delay = 1.0, synapse = stdp, weight = 0.5,
             name = "PE" }
projection { E, E, conn = fixed_indegree(3), delay = 1.5, synapse = stdp { A_plus = 0.02 },
             weight = 0.2, name = "EE" }
record { E = { "spikes", "V", every = 2 }, PE = "w", EE = { "w", every = 10 } }
LUA
"$SNNCC" -q -S "$WORK/m.lua" -o "$WORK/c"
ls "$WORK/c/leaks.c" >/dev/null
# the CUDA back end (which cannot record synapse variables yet): the same network
sed '/^record/s/, PE = .*/ }/' "$WORK/m.lua" >"$WORK/mc.lua"
"$SNNCC" -q -b cuda -S "$WORK/mc.lua" -o "$WORK/cuda"
ls "$WORK/cuda/leaks.cu" >/dev/null
"$SNNCC" -q --dump "$WORK/m.lua" >/dev/null
"$SNNCC" -q --check "$WORK/m.lua"
echo "snncc leaks ok"
