#!/usr/bin/env bash
# Weight update models over batch lanes on the CUDA back end (docs/cuda.md "Batches"), in
# the CPU emulation (no GPU), each lane bitwise the C back end's lane:
#   1. tests/lib/batch_model.sh's model (batch.sh's): an eligibility rule with random
#      draws in `dynamics` (synapse-keyed), on_pre / on_post (column views), pre and post
#      traces, V_post, a sparse and an all_to_all projection, per-lane weights;
#   2. tests/cuda/learn_addto.lua with batch = 3, sparse and dense (format = "dense"):
#      add_to_post in on_pre and in `dynamics` (a thread per target over its column),
#      add_to_pre (the device's exact accumulators, one set per lane), traces, on_post;
#   3. STDP (the standard library's), sparse by the presynaptic strategy and dense, and a
#      projection whose weight and one variable are synapse{ shared = ... } (held once,
#      read by every lane) next to a per-lane variable;
# run with the model's lanes, and with the run config's batch and lane_offset: every
# lane's spike and state files, run.json's per-lane spike counts and final checksums
# are the C back end's, and the lanes' checksums differ.  (Synapse code that writes a
# shared variable is refused: tests/errors/batch_cuda.lua, tests/e2e/cuda_batch.sh.)
# Fails with lane 0's weights in every lane, one add_to_pre accumulator for all lanes,
# or lane 0's weights in every lane's checksum.  With nvcc: the .cu compiles for sm_90.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh   # emu_build
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/batch_model.sh # batch_model

both_build() { # both_build MODEL DIR SNNCC-OPTIONS...: DIR/emu (emulated) and DIR/c (C)
    local f=$1 d=$2 n
    n=$(sed -n 's/^network *{ *name *= *"\([a-z_]*\)".*/\1/p' "$f")
    shift 2
    emu_build "$f" "$d" "$@"
    "$SNNCC" -q "$@" "$f" -o "$d/c"
    ln -sf "c/$n" "$d/csim"
}

same_lanes() { # same_lanes C_OUT EMU_OUT LANES FILES: every lane's files, counts, checksums
    emu_same_lanes "$@" || exit 1
    $PY - "$2/run.json" "$3" <<'PY'
import json, sys
n = int(sys.argv[2])
le = json.load(open(sys.argv[1]))["run"]["batch"]["per_lane"]
fe = [l["final_checksum"] for l in le]
plastic = [q for q, x in enumerate(fe[0]) if x is not None]
assert plastic, fe
if n > 1:  # the lanes' weights differ
    assert len({str([f[q] for q in plastic]) for f in fe}) == n, fe
assert all(sum(l["spikes"]) > 0 for l in le), le
PY
}

run_both() { # run_both DIR NAME LANES FILES RUN-OPTIONS...
    local d=$1 name=$2 n=$3 files=$4
    shift 4
    "$d/csim" --quiet --output "$d/c_$name" "$@"
    "$d/emu" --quiet --output "$d/e_$name" "$@"
    same_lanes "$d/c_$name" "$d/e_$name" "$n" "$files"
}

# --- 1. batch.sh's model: eligibility traces, draws in dynamics, on_pre / on_post ----------
batch_model 3 >"$WORK/bm.lua"
d="$WORK/bm"
both_build "$WORK/bm.lua" "$d"
grep -q "snn_lw_SE + (size_t)blockIdx.y" "$d/gen/bt.cu"
F="spikes_S.npy spikes_E.npy spikes_I.npy E_V.npy"
run_both "$d" b3 3 "$F" --time 40
run_both "$d" b2 2 "$F" --time 40 --set batch=2 --set lane_offset=4
# CUDA graphs of 8 steps: the same lanes
"$d/emu" --quiet --output "$d/e_g8" --time 40 --set cuda_graph_steps=8
same_lanes "$d/c_b3" "$d/e_g8" 3 "$F"
grep -q '"steps_in_graphs": [1-9]' "$d/e_g8/cuda.json"
echo "batch model: 3 lanes, 2 lanes from lane 4, CUDA graphs: every lane as the C back end's"

# --- 2. add_to_post / add_to_pre, sparse and dense ------------------------------------------
for dense in 0 1; do
    d="$WORK/addto$dense"
    both_build tests/cuda/learn_addto.lua "$d" -D dense=$dense -D batch=3
    grep -q "snn_k_pre_inputs" "$d/gen/learn_addto.cu"
    run_both "$d" b3 3 "B_V.npy A_E.npy C_V.npy S_F.npy E_V.npy" --time 30
    run_both "$d" b1 1 "B_V.npy A_E.npy C_V.npy S_F.npy E_V.npy" --time 30 --set batch=1 --set lane_offset=2
    echo "add_to (dense=$dense): 3 lanes, 1 lane from lane 2: every lane as the C back end's"
done

# --- 3. STDP (sparse, by the presynaptic strategy, and dense), shared variables -------------
cat >"$WORK/stdp.lua" <<'LUA'
network { name = "sp", dt = 0.1, seed = 23, precision = "double", batch = 3 }
local pv = neuron { name = "pv", vars = { V = 0.0 }, sim = "V = uniform();",
                    threshold = "V < 0.004" }
local S = population { "S", pv, 40 }
local E = population { "E", lif, 30, init = { V = uniform(-70.0, -55.0) } }
local I = population { "I", lif, 12 }
current_source { E, noise { mean = 300.0, sd = 300.0 } }
current_source { I, noise { mean = 250.0, sd = 300.0 } }
local s = stdp { A_plus = 4.0, A_minus = 4.2, w_max = 300.0 }
projection { S, E, name = "SE", conn = fixed_probability(0.4), synapse = s,
             weight = uniform(50.0, 150.0), delay = 0.5, psm = exp_curr(2.0) }
projection { E, E, name = "EE", conn = all_to_all(), format = "dense", synapse = s { w_max = 40.0 },
             weight = 20.0, delay = 0.2, psm = exp_curr(3.0) }
-- the weight and g held once (read by every lane), e per lane
local gate = synapse { name = "gate", vars = { w = 64.0, g = 0.5, e = 0.0 }, shared = { "w", "g" },
  dynamics = "e = 0.875 * e + g * (V_post + 65.0) * dt;" }
projection { E, I, name = "EI", conn = fixed_probability(0.5), synapse = gate, delay = 0.3 }
record { E = { "spikes", "V" }, I = { "spikes", "V" }, S = "spikes" }
LUA
d="$WORK/stdp"
both_build "$WORK/stdp.lua" "$d" --cuda-span SE=pre
grep -q "snn_lw_EE + (size_t)blockIdx.y" "$d/gen/sp.cu"
if grep -q "snn_lw_EI" "$d/gen/sp.cu"; then echo "shared weights per lane"; exit 1; fi # the rows' own
F="spikes_S.npy spikes_E.npy spikes_I.npy E_V.npy I_V.npy"
run_both "$d" b3 3 "$F" --time 60
run_both "$d" b2 2 "$F" --time 60 --set batch=2 --set lane_offset=1
echo "STDP (sparse, dense), shared weights: 3 lanes, 2 lanes from lane 1: every lane as the C back end's"

if [ -x "${NVCC:-/usr/local/cuda/bin/nvcc}" ] || command -v nvcc >/dev/null; then
    NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
    "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings -I"$RT/include/snncc" \
        -c "$WORK/bm/gen/bt.cu" -o "$WORK/nvcc.o"
    echo "nvcc sm_90: the batched plastic .cu compiles without warnings"
else
    echo "SKIP nvcc: not installed"
fi
