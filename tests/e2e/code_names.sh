#!/usr/bin/env bash
# Every name the docs give to code strings compiles and runs (issue 12, defect 1: 't' in
# synapse code passed --check and then failed in the C compiler).  tests/lib/code_names.py
# reads docs/language.md's tables (neuron "Names"; the synapse code table's "reads" and
# "writes" columns) and writes a model that uses every documented name in every code
# string (sim, threshold, reset; on_pre, on_post, pre_spike, post_spike, pre_dynamics,
# post_dynamics, dynamics), with random draws in each.  It must:
#   - pass --check, build and run with the C back end;
#   - build with the CUDA back end (nvcc, sm_90) when nvcc is installed, and in the CPU
#     emulation of the device code (tests/e2e/cuda_emulated.sh) give bitwise the C back
#     end's spikes and recorded states (the states carry the synapse code's effect: each
#     code string changes the weight that the spikes deliver into 'acc');
#   - and every name the table does not allow in a code string (a group missing from
#     "reads", an assignment to one missing from "writes") must fail --check with the name.
# Plus the issue's repro: on_pre = "tl = t;" records the time of the last arrival.
set -euo pipefail
source tests/lib/cuda_emu.sh
RT="$PWD/$BUILD"
DOCS=docs/language.md
$PY tests/lib/code_names.py "$DOCS" "$WORK/all.lua"
grep -q 'dynamics = ' "$WORK/all.lua"
"$SNNCC" --check "$WORK/all.lua"
"$SNNCC" -q "$WORK/all.lua" -o "$WORK/c"
"$WORK/c/allnames" --time 50 --quiet --output "$WORK/out-c"
$PY - "$WORK/out-c" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
acc = np.load(f"{out}/B_acc.npy")["v"]
jumps = np.diff(acc, axis=0)
jumps = jumps[jumps != 0]
assert len(jumps) > 100, len(jumps)
# each arrival delivers the synapse's weight, 0.2 at first, changed by every code string
assert (np.abs(jumps - 0.2) > 0).all() and (np.abs(jumps - 0.2) < 1e-3).all(), jumps[:5]
print(f"{len(jumps)} deliveries, weights {jumps.min():.9f} .. {jumps.max():.9f}")
PY
echo "every documented name: C back end compiles and runs"

# the CUDA back end: nvcc, and the emulation against the C back end
if [ -z "${NVCC:-}" ]; then
    NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
fi
if [ -x "$NVCC" ]; then
    NVCC="$NVCC" "$SNNCC" -q -b cuda "$WORK/all.lua" -o "$WORK/cuda"
    [ -x "$WORK/cuda/allnames" ]
    echo "every documented name: nvcc (sm_90) compiles the CUDA back end's code"
else
    echo "SKIP nvcc: not installed (the emulation below still runs the device code)"
fi
d="$WORK/emu"
"$SNNCC" -q -S -b cuda "$WORK/all.lua" -o "$d/gen"
sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
    "$d/gen/allnames.cu" >"$d/gen/emu.cc"
grep -q snn_k_syn_dynamics "$d/gen/emu.cc"
g++ -std=c++17 -O1 -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
    -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
# shellcheck disable=SC2086 # SNNCC_CFLAGS: the sanitizers under make asan
cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/allnames.c" -o "$d/host.o"
# shellcheck disable=SC2086
g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
    "$RT/lib/libsnnrt.a" -lyaml -lm
"$d/emu" --time 50 --quiet --output "$d/out"
grep -q '"device": "CPU emulation' "$d/out/cuda.json"
for f in spikes_A spikes_B B_acc B_V; do
    cmp "$WORK/out-c/$f.npy" "$d/out/$f.npy"
done
echo "every documented name: the CUDA emulation gives bitwise the C back end's spikes and states"

# names the table does not allow
n=0
while IFS=$'\t' read -r f name; do
    if "$SNNCC" --check "$f" 2>"$WORK/err"; then
        echo "FAIL: $f was accepted (uses '$name' where the docs do not allow it)"; exit 1
    fi
    grep -q "error: .*'$name" "$WORK/err" || { cat "$WORK/err"; echo "FAIL: $f: no error naming '$name'"; exit 1; }
    n=$((n + 1))
done < <($PY tests/lib/code_names.py "$DOCS" --negatives "$WORK/neg")
[ "$n" -gt 40 ]
echo "$n uses the docs do not allow: each refused by --check, naming the name"

# the issue's repro: t in on_pre (the time at the start of the arrival step)
cat >"$WORK/tl.lua" <<'LUA'
network { name = "tl", dt = 0.1, seed = 1, precision = "double" }
local clock = neuron { name = "clock", vars = { k = 0.0 }, sim = "k += 1.0;",
                       threshold = "k >= 70.0", reset = "k = 0.0;" }
local s = synapse { name = "s", vars = { w = 0.1, tl = 0.0 }, on_pre = "tl = t;" }
local A = population { "A", clock, 1 }
projection { A, A, name = "P", conn = one_to_one(), delay = 0.3, synapse = s }
record { A = "spikes", P = "tl" }
LUA
"$SNNCC" -q "$WORK/tl.lua" -o "$WORK/tl"
"$WORK/tl/tl" --time 100 --quiet --output "$WORK/tl_out"
$PY - "$WORK/tl_out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
spk = np.load(f"{out}/spikes_A.npy")["t"]        # (step + 1) * dt of the spike steps
tl = np.load(f"{out}/P_tl.npy")["v"][0]
arrivals = [round(t / 0.1) - 1 + 3 for t in spk]  # spike step + 3 steps of delay
last = max(a for a in arrivals if a < 1000)
assert abs(tl - last * 0.1) < 1e-12, (tl, last)
print(f"tl = {tl:g} ms: the start of the last arrival step ({last})")
PY
echo "t in on_pre: the time of the arrival step"
