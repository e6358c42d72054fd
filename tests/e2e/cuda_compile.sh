#!/usr/bin/env bash
# test: weight 2 (nvcc, two compilations at a time)
# The CUDA back end on any machine with nvcc (no GPU needed): every shipped model, the
# docs' examples, tests/cuda/features.lua (every feature the back end lowers) and the
# models of the format, egp and synapse-RNG tests (tests/cuda/formats*.lua, egp_rng.lua)
# are generated with --backend cuda, compiled with nvcc for sm_90 + compute_90 PTX and
# linked, two at a time, so a broken CUDA template fails here (nvcc warnings included).  Also: reproducible sources, -S
# without nvcc, the CLI's error paths, and (without a GPU) a clean failure of the
# simulator.  Skips with a SKIP line only when nvcc is not installed.
set -euo pipefail
if [ -z "${NVCC:-}" ]; then
    NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
fi
export NVCC

# CLI: the back ends are listed; --cuda-span is checked; -S needs no nvcc
if "$SNNCC" --backend fortran models/lif_single.lua 2>"$WORK/err"; then exit 1; fi
grep -q "unknown back end 'fortran' (available: c, cuda)" "$WORK/err"
if "$SNNCC" -b cuda --cuda-span E_to_E=sideways models/brunel.lua 2>"$WORK/err"; then exit 1; fi
grep -q "cuda-span needs PROJECTION=pre, PROJECTION=post or PROJECTION=ordered" "$WORK/err"
# the ordered strategy's bitmap of the sources (shared memory) has room for 131,072
if "$SNNCC" -b cuda -S --cuda-span E_to_E=ordered -D scale=14 models/brunel.lua -o "$WORK/x" 2>"$WORK/err"; then exit 1; fi
grep -q "error: --cuda-span E_to_E=ordered: source population 'E' has 140000 neurons; the ordered strategy keeps a bit per source in shared memory (at most 131072)" "$WORK/err"
if "$SNNCC" -b cuda -S --cuda-span E_to_X=pre models/brunel.lua -o "$WORK/x" 2>"$WORK/err"; then exit 1; fi
grep -q "no projection 'E_to_X' (did you mean 'E_to_E'?)" "$WORK/err"
if "$SNNCC" -b cuda --cuda-construct gpu models/brunel.lua 2>"$WORK/err"; then exit 1; fi
grep -q "cuda-construct needs device or host (got 'gpu')" "$WORK/err"
NVCC=/nonexistent/nvcc "$SNNCC" -q -b cuda -S models/brunel.lua -o "$WORK/s1"
"$SNNCC" -q -b cuda -S models/brunel.lua -o "$WORK/s2"
cmp "$WORK/s1/brunel.cu" "$WORK/s2/brunel.cu"
cmp "$WORK/s1/brunel.c" "$WORK/s2/brunel.c"
grep -q '^#line [0-9]* "models/brunel.lua"' "$WORK/s1/brunel.cu"
if NVCC=/nonexistent/nvcc "$SNNCC" -b cuda models/brunel.lua -o "$WORK/s3" 2>"$WORK/err"; then exit 1; fi
grep -q "the CUDA back end needs nvcc" "$WORK/err"
# strategies: the default choice and --cuda-span overrides are written into the code
grep -q "projection 'E_to_E': E -> E, postsynaptic strategy" "$WORK/s1/brunel.cu"
"$SNNCC" -q -b cuda -S --cuda-span '*=post' --cuda-span E_to_E=pre models/brunel.lua -o "$WORK/s4"
grep -q "projection 'E_to_E': E -> E, presynaptic strategy (chosen with --cuda-span)" "$WORK/s4/brunel.cu"
grep -q "projection 'E_to_I': E -> I, postsynaptic strategy (chosen with --cuda-span)" "$WORK/s4/brunel.cu"
# a C++ keyword as a name is refused with the model's line
cat >"$WORK/kw.lua" <<'LUA'
network { name = "kw" }
local m = neuron { name = "m", params = { a = 1.0 }, vars = { new = 0.0 }, sim = "new += a;" }
population { "P", m, 2 }
LUA
if "$SNNCC" -b cuda -S "$WORK/kw.lua" -o "$WORK/kw" 2>"$WORK/err"; then exit 1; fi
grep -q "variable 'new' is a C++ keyword" "$WORK/err"

# the model-independent runtime is in libsnnrt_cuda.a (runtime/cuda/rt_cuda.cu), not in
# each model's device code: its kernels and host functions are not defined there
"$SNNCC" -q -b cuda -S tests/cuda/sparse.lua -o "$WORK/s5"
for f in "$WORK/s1/brunel.cu" "$WORK/s5/sparse.cu"; do
    for k in "snn_k_cbuild(" "snn_k_cfinish(" "snn_k_segsort(" "snn_k_ccols(" "snn_k_cpre(" \
        "int snn_cu_build(" "int snn_cu_build_columns(" "void *snn_cu_alloc(" "void snn_cu_check(" \
        "void snn_row_outdegree(" "void snn_block_sort("; do
        if grep -qF "$k" "$f"; then
            echo "FAIL: $f defines $k (runtime/cuda has it)"; exit 1
        fi
    done
done
grep -q '#include "snn_cuda.h"' "$WORK/s1/brunel.cu"
# a model whose projections built on the device draw from initialiser{} code instantiates
# the construction kernels with its code; one without does not
grep -q "snn_cb_build_body<snn_cb_model>" "$WORK/s5/sparse.cu"
if grep -q "snn_cb_code" "$WORK/s1/brunel.cu"; then
    echo "FAIL: brunel.cu has construction code, but no initialiser{} code"; exit 1
fi
echo "runtime in the library: not in the generated device code"

if ! [ -x "$NVCC" ] && ! command -v "$NVCC" >/dev/null; then
    echo "SKIP: nvcc not found (set NVCC or install the CUDA toolkit); the CUDA sources were generated, not compiled"
    exit 0
fi

# every model, compiled and linked, two at a time
cat >"$WORK/jobs" <<JOBS
brunel models/brunel.lua
lif_single models/lif_single.lua
coba models/coba.lua
microcircuit models/microcircuit.lua -D N_scale=0.1 -D K_scale=0.1
hpc models/hpc_benchmark.lua
hpc_plastic models/hpc_benchmark.lua -D plastic=1
features tests/cuda/features.lua
sources tests/cuda/sources.lua
dataset tests/cuda/dataset.lua
formats tests/cuda/formats.lua
fmtnet_dense tests/cuda/formats_net.lua -D fmt=1 -D exact=0
fmtnet_procedural tests/cuda/formats_net.lua -D fmt=2 -D exact=0
egp_rng tests/cuda/egp_rng.lua
sparse tests/cuda/sparse.lua
sparse_host tests/cuda/sparse.lua --cuda-construct host
learn_addto tests/cuda/learn_addto.lua
learn_addto_dense tests/cuda/learn_addto.lua -D dense=1
learn_cu tests/cuda/learn_cu.lua
learn_cu_float tests/cuda/learn_cu.lua -D float=1 -D dense=1
cu_extras tests/cuda/cu_extras.lua -D cuda=1
topographic_map models/topographic_map.lua -D duration=1
eprop_ordered models/eprop_classifier.lua -D batch=3 --cuda-span *=ordered
JOBS
source tests/lib/examples.sh
for f in docs/examples/*.lua; do echo "ex_$(basename "$f" .lua) $(example_model "$f")" >>"$WORK/jobs"; done
# shellcheck disable=SC2016
xargs -P 2 -L 1 sh -c 'out="$WORK/$0"; "$SNNCC" -q -k -b cuda "$@" -o "$out" >"$out.log" 2>&1 || { echo "FAILED: $0"; cat "$out.log"; exit 255; }' <"$WORK/jobs"
while read -r name file _; do
    bin=$(find "$WORK/$name" -maxdepth 1 -type f -perm -u+x | head -n 1)
    test -x "$bin"
    test -f "$WORK/$name/Makefile"
    # warnings from nvcc would show in the log
    if grep -q "warning" "$WORK/$name.log"; then cat "$WORK/$name.log"; exit 1; fi
    echo "$file: compiled and linked ($(basename "$bin"))"
done <"$WORK/jobs"

# each feature's device code was compiled: dense and procedural propagation (every
# procedural row generator), extra global parameters, draws in synapse code
for want in "formats:projection 'P_to_Da': P -> Da, dense matrix" \
    "formats:projection 'P_to_Pp': P -> Pp, procedural, a warp per spiking row" \
    "formats:projection 'P_to_Po': P -> Po, procedural, a block per spiking row" \
    "formats:projection 'P_to_Pa': P -> Pa, procedural, threads over the targets" \
    "formats:projection 'P_to_P1': P -> P1, procedural, a thread per spike" \
    "egp_rng:snn_egp_at(snn_egp_D_I_ext" "egp_rng:snn_sstream_pre_to_post_post_dynamics" \
    "learn_addto:snn_k_pre_inputs" "learn_addto:snn_xacc_add_atomic" \
    "learn_addto_dense:format = \"dense\" with a weight update model: full rows" \
    "learn_cu:snn_k_cur_SoftmaxSum" "learn_cu_float:snn_k_cu_Learn" \
    "features:(format = \"dense\")" "features:snn_egp_at(snn_egp_G_gain" \
    "features:snn_sstream_C_to_G_on_pre" \
    "eprop_ordered:projection 'HH': H -> H, postsynaptic strategy in the C back end's order"; do
    name=${want%%:*}
    grep -qF "${want#*:}" "$(find "$WORK/$name" -maxdepth 1 -name "*.cu")" ||
        { echo "FAIL: $name: no '${want#*:}' in the device code"; exit 1; }
done
echo "dense, procedural, egp and synapse-code draws: in the compiled device code"
# sparse projections built on the device (the default), not with --cuda-construct host
# (the kernels are libsnnrt_cuda.a's; sparse.lua's initialiser{} code is compiled with them)
grep -q "snn_k_cbuild_code" "$WORK/sparse/sparse.cu" && grep -q "if (!snn_cu_build(" "$WORK/sparse/sparse.c" ||
    { echo "FAIL: sparse: no device construction"; exit 1; }
if grep -q "snn_k_cbuild" "$WORK/sparse_host/sparse.cu" || grep -q "if (!snn_cu_build(" "$WORK/sparse_host/sparse.c"; then
    echo "FAIL: --cuda-construct host still builds on the device"; exit 1
fi
echo "construction on the device: compiled (and left out with --cuda-construct host)"

# the CUDA runtime library: built by make where nvcc is; every simulator above linked it;
# with other nvcc flags snncc compiles its source with them (snnrt_cuda.o), and the
# generated Makefile does too
LIBCU="$(dirname "$SNNCC")/../lib/libsnnrt_cuda.a"
# (nm into a file: grep -q ending the pipe early would kill nm, which pipefail reports)
nm -C "$LIBCU" >"$WORK/libcu.nm"
grep -q "T snn_cu_build" "$WORK/libcu.nm" || { echo "FAIL: $LIBCU has no snn_cu_build"; exit 1; }
grep -q "snn_dev::snn_k_segsort" "$WORK/libcu.nm" || { echo "FAIL: $LIBCU has no snn_k_segsort"; exit 1; }
grep -q '^SNNRT_CUDA = $(SNNRT_LIB)/libsnnrt_cuda.a' "$WORK/brunel/Makefile"
[ ! -e "$WORK/brunel/snnrt_cuda.o" ]
OWN="-O1 -std=c++17 --fmad=false -gencode arch=compute_90,code=[sm_90,compute_90]"
"$SNNCC" -q -k -b cuda --nvcc-flags "$OWN" models/lif_single.lua -o "$WORK/ownflags"
test -f "$WORK/ownflags/snnrt_cuda.o"
grep -q '^SNNRT_CUDA = snnrt_cuda.o' "$WORK/ownflags/Makefile"
rm "$WORK/ownflags/snnrt_cuda.o" "$WORK/ownflags/lif_single"
make -s -C "$WORK/ownflags" >/dev/null
test -x "$WORK/ownflags/lif_single" && test -f "$WORK/ownflags/snnrt_cuda.o"
echo "libsnnrt_cuda.a linked; with other nvcc flags its source compiled with them (snncc, Makefile)"

# without a GPU, the simulator stops with a clear message and a failed run.json
if ! nvidia-smi >/dev/null 2>&1; then
    st=0
    "$WORK/lif_single/lif_single" --time 10 --output "$WORK/nogpu" 2>"$WORK/err" || st=$?
    [ "$st" -ne 0 ] && [ "$st" -lt 124 ] # 1 (or LeakSanitizer's status under make asan)
    grep -q "no usable CUDA device" "$WORK/err"
    grep -q '"status": "failed"' "$WORK/nogpu/run.json"
    grep -q '"backend": "cuda"' "$WORK/nogpu/run.json"
    echo "no GPU here: the simulator says so"
fi

# nvcc on the PATH as a wrapper script in a bin/ with no toolkit beside it (as on some CI
# images): the toolkit is found through nvcc's own --dryrun listing
real_nvcc=$(command -v "$NVCC" || echo "$NVCC")
mkdir -p "$WORK/wrapbin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$real_nvcc" >"$WORK/wrapbin/nvcc"
chmod +x "$WORK/wrapbin/nvcc"
env -u CUDA_HOME -u CUDA_PATH NVCC="$WORK/wrapbin/nvcc" \
    "$SNNCC" -q -b cuda models/lif_single.lua -o "$WORK/wrapped"
test -x "$WORK/wrapped/lif_single"
echo "nvcc as a wrapper script: toolkit found through its --dryrun"
