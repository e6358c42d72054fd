#!/usr/bin/env bash
# Custom updates over batch lanes on the CUDA back end (docs/cuda.md "Batches", step 2), in
# the CPU emulation (no GPU), against the C back end's lanes bitwise: tests/cuda/batch_cu.lua
# (a softmax over a population per lane: max and sum over the neurons; batch_sum and
# batch_max over the lanes, a thread per neuron adding the lanes' terms in lane order; an
# update held once, run once with the last lane's draws; a group whose lanes run in turn,
# where lanes 0..B-2 read a value held once before the group's earlier update changes it;
# random draws per lane; custom-update variables recorded per lane), in double and float,
# with 3 lanes, 2 lanes from lane_offset 1, and CUDA graphs.  An injected fault (the
# lanes' terms added from the last lane down) is caught.  (Custom updates over synapses:
# tests/e2e/cuda_batch_cusyn.sh.)  With nvcc: the .cu compiles for sm_90 without warnings.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh # emu_build
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)


FILES="Out_V.npy Out_pi.npy Out_G.npy Out_U.npy GSum_k.npy Use_c.npy"
same_lanes() { # same_lanes C_OUT EMU_OUT LANES: every lane's recordings identical
    emu_same_lanes "$1" "$2" "$3" "$FILES"
}

M=tests/cuda/batch_cu.lua
RO="--set params.Use.eta=0.02" # a runtime parameter of a custom update
RUNS=("b3:" "b2:--set batch=2 --set lane_offset=1")
for prec in 0 1; do
    d="$WORK/emu$prec"
    emu_build "$M" "$d" -D float=$prec
    "$SNNCC" -q -D float=$prec "$M" -o "$d/c"
    for run in "${RUNS[@]}"; do
        name=${run%%:*}
        opts=${run#*:}
        # shellcheck disable=SC2086
        "$d/c/bcu" --time 30 --quiet --output "$d/c_$name" $RO $opts
        # shellcheck disable=SC2086
        "$d/emu" --time 30 --quiet --output "$d/$name" $RO $opts
    done
    same_lanes "$d/c_b3" "$d/b3" 3
    same_lanes "$d/c_b2" "$d/b2" 2
    echo "precision $prec: 3 lanes, 2 lanes from lane 1: every lane's recordings as the C back end's"
done
d="$WORK/emu0"
# the generated code: lanes as a grid dimension, a group in turn, the batch reductions' kernel
grep -q 'snn_k_cu_GSum<<<dim3(.*, snn_nlane), SNN_BLOCK, 0, snn_stream>>>(step, 0xffffffffu)' "$d/gen/bcu.cu"
grep -q 'snn_k_cub_GSum<<<' "$d/gen/bcu.cu"
grep -q 'for (uint32_t snn_l = 0; snn_l < snn_passes; snn_l++)' "$d/gen/bcu.cu"
# the lanes differ (each draws its own numbers), the softmax sums to 1 in every lane, the
# held-once value is the same in every lane and lanes 0, 1 of the group in turn read the
# value before the group's run (lane 2 the new one)
$PY - "$d/b3" <<'PY'
import sys
import numpy as np
o = sys.argv[1]
lane = lambda b, f: np.load(f"{o}{'/lane%d' % b if b else ''}/{f}")["v"]
V = [lane(b, "Out_V.npy") for b in range(3)]
assert not (V[0] == V[1]).all() and not (V[1] == V[2]).all()
for b in range(3):
    pi = lane(b, "Out_pi.npy")
    assert abs(pi[-1].sum() - 1.0) < 1e-12 and pi[-1].min() > 0, pi[-1]
    assert lane(b, "GSum_k.npy")[-1][0] == 7.0, lane(b, "GSum_k.npy")[-1]
U = [lane(b, "Out_U.npy") for b in range(3)]
assert not (U[0][-1] == U[2][-1]).all() and (U[0][-1] != 0).all()
print("softmax sums to 1 in every lane; lanes differ; the group in turn changes U")
PY
# CUDA graphs of 8 steps: the same lanes
# shellcheck disable=SC2086
"$d/emu" --time 30 --quiet --output "$d/g8" $RO --set cuda_graph_steps=8
same_lanes "$d/c_b3" "$d/g8" 3
echo "CUDA graphs: the same lanes"

# an injected fault: the lanes' batch terms added from the last lane down (another order:
# other bits) or the group in turn run over all lanes at once
for fault in 's/snn_a = snn_t\[0\];/snn_a = snn_t[(size_t)(snn_nl - 1u) * SNN_N_Out];/; s/for (uint32_t snn_b = 1; snn_b < snn_nl; snn_b++) {/for (uint32_t snn_b = snn_nl - 1u; snn_b-- > 0;) {/' \
             's/(step, snn_l); });/(step, 0xffffffffu); });/'; do
    FAULT=$fault emu_build "$M" "$WORK/fault" -D float=0
    # shellcheck disable=SC2086
    "$WORK/fault/emu" --time 30 --quiet --output "$WORK/fault/b3" $RO
    if same_lanes "$d/c_b3" "$WORK/fault/b3" 3 >/dev/null; then
        echo "FAIL: the fault '$fault' went unnoticed"; exit 1
    fi
done
echo "injected faults (lane order of the batch sum, the group's lanes at once): caught"

# (custom updates over synapses: tests/e2e/cuda_batch_cusyn.sh)

if [ -x "${NVCC:-/usr/local/cuda/bin/nvcc}" ] || command -v nvcc >/dev/null; then
    NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
    for prec in 0 1; do
        "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings -I"$RT/include/snncc" \
            -c "$WORK/emu$prec/gen/bcu.cu" -o "$WORK/bcu_sm90_$prec.o"
    done
    echo "nvcc sm_90: the batched .cu with custom updates compiles without warnings"
else
    echo "SKIP nvcc: not installed"
fi
