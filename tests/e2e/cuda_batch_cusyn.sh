#!/usr/bin/env bash
# Custom updates over the synapses of a projection over batch lanes on the CUDA back end
# (docs/cuda.md "Batches"), in the CPU emulation (no GPU), against the C back end's lanes
# bitwise: tests/cuda/batch_cusyn.lua (a per-lane eligibility gradient summed over the
# lanes by batch_sum in lane order with per-lane draws, and a batch_max; an Adam step per
# lane on the lane's weights snn_lw_ from the one sum; shared weights stepped by an update
# held once; a group whose lanes run in turn), sparse and dense, double and float, with 3
# lanes and 2 lanes from lane_offset 1, a runtime parameter and CUDA graphs: every lane's
# spike and state files, per-lane spike counts and final checksums (the weights and
# synapse variables) and synapse recordings (per-lane and shared weights, synapse and
# custom-update variables, lane b's in lane<b>/) identical.  Injected faults are caught: the lanes' terms added from the
# last lane down, lane 0's weights in every lane's update, the group in turn over all lanes
# at once, lane 0's random keys in every lane, lane 0's weights in every lane's snapshot.  With nvcc: the .cu compiles for sm_90.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh # emu_build, emu_same_lanes
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)

M=tests/cuda/batch_cusyn.lua
FILES0="spikes_S.npy spikes_P.npy spikes_Q.npy P_V.npy P_E.npy Q_V.npy"
FILES_ALL="$FILES0 SP_w.npy SP_g.npy SQ_w.npy Adam_m.npy Sum_G.npy" # sparse: synapse recordings
RO="--set params.Adam.lr=0.02" # a runtime parameter of a custom update over synapses
T=60
same_lanes() { # same_lanes C_OUT EMU_OUT LANES: every lane as the C back end's
    emu_same_lanes "$1" "$2" "$3" "$FILES"
}

for variant in "0 0" "1 0" "0 1" "1 1"; do
    read -r dense prec <<<"$variant"
    d="$WORK/v$dense$prec"
    emu_build "$M" "$d" -D dense="$dense" -D float="$prec"
    "$SNNCC" -q -D dense="$dense" -D float="$prec" "$M" -o "$d/c"
    # shellcheck disable=SC2086
    for run in "b3:" "b2:--set batch=2 --set lane_offset=1"; do
        name=${run%%:*}
        opts=${run#*:}
        "$d/c/bcs" --time $T --quiet --output "$d/c_$name" $RO $opts
        "$d/emu" --time $T --quiet --output "$d/$name" $RO $opts
    done
    FILES=$FILES_ALL
    [ "$dense" = 0 ] || FILES=$FILES0
    same_lanes "$d/c_b3" "$d/b3" 3 || exit 1
    same_lanes "$d/c_b2" "$d/b2" 2 || exit 1
    # the lanes' own weights differ, the shared ones are one; every lane spikes; learning
    # moved both projections' weights (a run with the learning rates 0 differs)
    "$d/c/bcs" --time $T --quiet --output "$d/c_lr0" --set params.Adam.lr=0 --set params.AdamQ.lr=0
    $PY - "$d/b3/run.json" "$d/c_lr0/run.json" <<'PY'
import json, sys
lanes = json.load(open(sys.argv[1]))["run"]["batch"]["per_lane"]
f = [l["final_checksum"] for l in lanes]
assert len({x[0] for x in f}) == 3, f  # SP: per-lane weights, each lane's own
assert len({x[1] for x in f}) == 1, f  # SQ: shared weights (its g is zeroed by SumQ)
assert all(sum(l["spikes"]) > 0 for l in lanes), lanes
z = [l["final_checksum"] for l in json.load(open(sys.argv[2]))["run"]["batch"]["per_lane"]]
assert all(a[0] != b[0] and a[1] != b[1] for a, b in zip(f, z)), (f, z)
PY
    [ "$dense" = 1 ] || $PY - "$d/b3" <<'PY' # the snapshots: per-lane weights differ, shared ones and G are one
import sys
import numpy as np
o = sys.argv[1]
lane = lambda b, f: np.load(f"{o}{'/lane%d' % b if b else ''}/{f}")
w = [lane(b, "SP_w.npy") for b in range(3)]
assert len(np.unique(w[0]["t"])) == 7, np.unique(w[0]["t"])  # 6 snapshots and the end
for b in (1, 2):
    assert all((w[0][k] == w[b][k]).all() for k in ("t", "pre", "post"))  # the rows: one
    assert not (w[b - 1]["v"] == w[b]["v"]).all()  # each lane's own weights
for f in ("SQ_w.npy", "Sum_G.npy"):  # held once: every lane's file the same
    assert (lane(0, f) == lane(1, f)).all() and (lane(0, f) == lane(2, f)).all(), f
q = lane(0, "SQ_w.npy")
assert not (q["v"][q["t"] == q["t"].min()] == q["v"][q["t"] == q["t"].max()]).all()
PY
    echo "dense=$dense float=$prec: 3 lanes, 2 lanes from lane 1: every lane as the C back end's"
done

d="$WORK/v00"
FILES=$FILES_ALL
# the generated code: the lanes as a grid dimension, the lanes' sum, the group in turn, the
# update held once with the last lane's blocks, the lane's weights
cu="$d/gen/bcs.cu"
grep -q 'snn_k_cu_Sum<<<dim3(snn_lgrid, snn_nlane), SNN_BLOCK, 0, snn_stream>>>(step, 0xffffffffu)' "$cu"
grep -q 'snn_k_cub_Sum<<<snn_grid, SNN_BLOCK, 0, snn_stream>>>(snn_nlane)' "$cu"
grep -q 'snn_k_cu_AdamQ<<<dim3(snn_lgrid, snn_nlane), SNN_BLOCK, 0, snn_stream>>>(step, snn_nlane - 1u, snn_lane_batch_last(run))' "$cu"
grep -q 'snn_k_cu_Turn<<<dim3(snn_lgrid, snn_nlane), SNN_BLOCK, 0, snn_stream>>>(step, snn_l)' "$cu"
grep -q 'snn_lw_SP\[(size_t)blockIdx.y \* snn_lws_SP + snn_pos\] = snn_u_w;' "$cu"
# CUDA graphs of 8 steps: the same lanes
# shellcheck disable=SC2086
"$d/emu" --time $T --quiet --output "$d/g8" $RO --set cuda_graph_steps=8
same_lanes "$d/c_b3" "$d/g8" 3 || exit 1
echo "CUDA graphs: the same lanes"

# injected faults: each must make some lane differ from the C back end's
for fault in \
    's/snn_a = snn_t\[0\];/snn_a = snn_t[(size_t)(snn_nl - 1u) * snn_R->capacity];/; s/for (uint32_t snn_b = 1; snn_b < snn_nl; snn_b++) {/for (uint32_t snn_b = snn_nl - 1u; snn_b-- > 0;) {/' \
    's/snn_lw_SP\[(size_t)blockIdx.y \* snn_lws_SP + snn_pos\]/snn_lw_SP[snn_pos]/g' \
    's/(step, snn_l); });/(step, 0xffffffffu); });/' \
    's/snn_rng_init_synk(&snn_rng_st, snn_cukey, snn_lane,/snn_rng_init_synk(\&snn_rng_st, snn_cukey, 0u,/' \
    'HOST:/static void model_syn_snapshot/,/^}/s/snn_cu_fetch_lane_weights(\([0-9]*\), snn_b,/snn_cu_fetch_lane_weights(\1, 0,/'; do
    if [ "${fault#HOST:}" != "$fault" ]; then
        HOST_FAULT=${fault#HOST:} emu_build "$M" "$WORK/fault"
    else
        FAULT=$fault emu_build "$M" "$WORK/fault"
    fi
    # shellcheck disable=SC2086
    "$WORK/fault/emu" --time $T --quiet --output "$WORK/fault/b3" $RO
    if same_lanes "$d/c_b3" "$WORK/fault/b3" 3 >/dev/null; then
        echo "FAIL: the fault '$fault' went unnoticed"; exit 1
    fi
done
echo "injected faults (lane order of the sum, lane 0's weights, the group's lanes at once, lane 0's draws, lane 0's snapshot): caught"

if [ -x "${NVCC:-/usr/local/cuda/bin/nvcc}" ] || command -v nvcc >/dev/null; then
    NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
    for v in 00 11; do
        "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings -I"$RT/include/snncc" \
            -c "$WORK/v$v/gen/bcs.cu" -o "$WORK/bcs_sm90_$v.o"
    done
    echo "nvcc sm_90: the batched .cu with custom updates over synapses compiles without warnings"
else
    echo "SKIP nvcc: not installed"
fi
