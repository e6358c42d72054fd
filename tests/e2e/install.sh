#!/usr/bin/env bash
# make install PREFIX=... gives an snncc that works from any directory on a user's own
# model: it finds libsnnrt and its headers next to itself (templates are embedded).
set -euo pipefail
root=$PWD
make -s -C "$root" install PREFIX="$WORK/prefix" BUILD="$BUILD" >/dev/null
test -x "$WORK/prefix/bin/snncc"
# the SynthSHD generator, where it is built (libespeak-ng, libhdf5)
if [ -x "$BUILD/bin/snncc-synthshd" ]; then test -x "$WORK/prefix/bin/snncc-synthshd"; fi
test -f "$WORK/prefix/lib/libsnnrt.a"
test -f "$WORK/prefix/include/snncc/snnrt.h"
test -f "$WORK/prefix/include/snncc/snn_philox.h"
# the CUDA back end's runtime: its header and source always, the library where nvcc is
test -f "$WORK/prefix/include/snncc/snn_cuda.h"
test -f "$WORK/prefix/include/snncc/rt_cuda.cu"
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
if [ -x "$NVCC" ] || command -v "$NVCC" >/dev/null; then
    test -f "$WORK/prefix/lib/libsnnrt_cuda.a"
fi
mkdir -p "$WORK/elsewhere"
cat >"$WORK/elsewhere/mine.lua" <<'LUA'
network { name = "mine", dt = 0.1, seed = 3 }
local p = population { "P", poisson { rate = 50.0 }, 100 }
local n = population { "N", lif { I_e = 200.0 }, 10 }
projection { p, n, conn = all_to_all(), weight = 80.0, psm = exp_curr { tau = 2.0 } }
record { "P", "N" }
LUA
cd "$WORK/elsewhere"
env -u SNNCC_RUNTIME "$WORK/prefix/bin/snncc" mine.lua -o out
./out/mine --time 200 --quiet --output res
test -f res/run.json
test -f res/spikes_P.npy
$PY - <<'PY'
import json
import numpy as np
r = json.load(open("res/run.json"))
assert r["status"] == "complete"
p = np.load("res/spikes_P.npy")
rate = len(p) / 100 / 0.2
assert 35 < rate < 65, rate   # 50 Hz Poisson, 100 neurons, 0.2 s: sd ~ 3.5 Hz
assert r["projections"][0]["synapses"] == 1000
print(f"installed snncc works from {__import__('os').getcwd()}: P rate {rate:.1f} Hz")
PY

# the CUDA back end from the installed layout: libsnnrt_cuda.a, snn_cuda.h (nvcc only)
if [ -f "$WORK/prefix/lib/libsnnrt_cuda.a" ]; then
    env -u SNNCC_RUNTIME "$WORK/prefix/bin/snncc" -q -k -b cuda mine.lua -o cu
    test -x cu/mine
    grep -q "^SNNRT_CUDA = \$(SNNRT_LIB)/libsnnrt_cuda.a" cu/Makefile
    grep -q "^SNNRT_LIB  = .*/prefix/lib$" cu/Makefile
    [ ! -e cu/snnrt_cuda.o ]
    echo "installed snncc builds CUDA simulators with the installed libsnnrt_cuda.a"
fi
