#!/usr/bin/env bash
# Non-finite neuron state ends the run (issue 12, defect 3b): after every finite_check-th
# step (run config, default 100) and after the last, the simulator scans the state
# variables; the first NaN or infinity (by population, neuron, variable) stops it with a
# message naming them, the value and the step, run.json "status": "failed" and exit
# status 1.  Neuron 3's V becomes NaN in step 250, neuron 7's w +infinity in step 200:
# the scan after step 299 reports neuron 3 (the first neuron) with the steps it went
# wrong in; finite_check=1 finds neuron 7 in step 200 exactly.  The same for 2 threads,
# and for the CUDA back end's code run on the CPU (tests/e2e/cuda_emulated.sh's
# emulation), CUDA graphs included.  finite_check=0 turns the check off.
set -euo pipefail
source tests/lib/cuda_emu.sh
set -f
cat >"$WORK/nf.lua" <<'LUA'
network { name = "nf", dt = 0.1, precision = "double" }
local m = neuron { name = "m", vars = { V = 0.0, w = 0.0 },
  sim = [[
    V += 0.001;
    if (id == 3 && t > 24.95) { V = V / 0.0 - V / 0.0; }
    if (id == 7 && t > 19.95) { w = 1.0 / 0.0; }
  ]],
  threshold = "V > 1000.0", reset = "V = 0.0;" }
population { "A", lif, 5 }
population { "P", m, 10, record = "spikes" }
LUA
periodic="nf: error: population 'P', neuron 3: state variable 'V' is NaN after step 299 (t = 30 ms); it became non-finite in steps 200..299 (the check runs every 100 steps: run config finite_check, 1 finds the exact step)"
exact="nf: error: population 'P', neuron 7: state variable 'w' is +infinity after step 200 (t = 20.1 ms)"
# Under make asan: a run that ends through snn_fatal leaves its spike recorder allocated
# (the fatal hook aborts recorders without freeing them, as for every fatal error during
# a recorded run); leak detection is off for the simulators here, not for snncc.
sim_asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fails() { # expected-message simulator args...
    local want=$1 out="$WORK/out$RANDOM"
    shift
    set +e
    ASAN_OPTIONS="$sim_asan" "$@" --time 100 --quiet --output "$out" 2>"$out.err"
    local st=$?
    set -e
    [ "$st" -eq 1 ] || { echo "exit status $st (want 1): $*"; cat "$out.err"; exit 1; }
    # (ASan's warning about the emulator's coroutines aside)
    [ "$(grep -v '^==[0-9]*==WARNING: ASan' "$out.err")" = "$want" ] || { echo "message of $*:"; cat "$out.err"; echo "want: $want"; exit 1; }
    $PY - "$out/run.json" "${want#nf: error: }" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "failed", r["status"]
assert r["error"] == sys.argv[2], r["error"]
PY
}
"$SNNCC" -q "$WORK/nf.lua" -o "$WORK/c"
fails "$periodic" "$WORK/c/nf"
fails "$periodic" "$WORK/c/nf" --set threads=2
fails "$exact" "$WORK/c/nf" --set finite_check=1
fails "$exact" "$WORK/c/nf" --set finite_check=1 --set threads=2
"$WORK/c/nf" --time 100 --quiet --output "$WORK/off" --set finite_check=0
grep -q '"status": "complete"' "$WORK/off/run.json"
echo "C back end ok"

# the CUDA back end's code on the CPU (as tests/e2e/cuda_emulated.sh)
RT="$PWD/$BUILD"
d="$WORK/cu"
"$SNNCC" -q -S -b cuda "$WORK/nf.lua" -o "$d/gen"
sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
    "$d/gen/nf.cu" >"$d/gen/emu.cc"
g++ -std=c++17 -O1 -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
    -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
# shellcheck disable=SC2086 # SNNCC_CFLAGS: the sanitizers under make asan
cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/nf.c" -o "$d/host.o"
# shellcheck disable=SC2086
g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
    "$RT/lib/libsnnrt.a" -lyaml -lm
fails "$periodic" "$d/emu"
fails "$periodic" "$d/emu" --set cuda_graph_steps=8
fails "$exact" "$d/emu" --set finite_check=1
fails "$exact" "$d/emu" --set finite_check=1 --set cuda_graph_steps=8
"$d/emu" --time 100 --quiet --output "$WORK/cuoff" --set finite_check=0
grep -q '"status": "complete"' "$WORK/cuoff/run.json"
echo "CUDA back end (emulated) ok"
