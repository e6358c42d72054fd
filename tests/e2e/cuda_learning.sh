#!/usr/bin/env bash
# Learning features on the CUDA back end, run in the CPU emulation (tests/cuda/emu, as
# tests/e2e/cuda_emulated.sh) and compared with the C back end's simulator bitwise
# (docs/cuda.md, "Learning"):
#   1. add_to_post / add_to_pre (tests/cuda/learn_addto.lua): the closed forms of
#      tests/e2e/add_to.sh (the exact sum of 200 terms over 12 orders of magnitude from
#      the device's 64-bit atomic accumulators) and a plastic network with add_to in
#      on_pre and dynamics, sparse and dense (format = "dense" with a weight update model):
#      spikes and recorded states identical;
#   2. custom updates (tests/cuda/learn_cu.lua, double and float): a softmax (max and sum
#      reductions in global neuron order), a synapse update with a runtime parameter, per
#      neuron variables with id and t, groups every N steps, at the end and from the run
#      config: recorded states identical, also with CUDA graphs of 8 steps;
#   3. custom-update extras (tests/cuda/cu_extras.lua -D cuda=1): random draws in updates
#      over synapses (synapse-keyed) and neurons (neuron-keyed), V_post, z_pre, id_pre and
#      id_post in an update over synapses, recordings of custom-update variables: recorded
#      states identical.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
cc -O2 -o "$WORK/snn-compare" tools/snn_compare.c -lm
CMP="$WORK/snn-compare"
source tests/lib/cuda_emu.sh # emu_runtime
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)

emulate() { # name model "snncc options" "run options" comparison
    local name=$1 model=$2 sopts=$3 ropts=$4 how=$5
    local d="$WORK/$name"
    # shellcheck disable=SC2086
    "$SNNCC" -q -S -b cuda $sopts "$model" -o "$d/gen"
    local base
    base=$(basename "$(find "$d/gen" -name "*.cu" | head -n 1)" .cu)
    sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$base.cu" >"$d/gen/emu.cc"
    # shellcheck disable=SC2086
    g++ -std=c++17 $EMU_OPT ${EMU_FLAGS:-} -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
        -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
    local rt
    rt=$(emu_runtime "${EMU_FLAGS:-}")
    # shellcheck disable=SC2086
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/$base.c" -o "$d/host.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$rt" "$RT/lib/libsnnrt.a" -lyaml -lm
    # shellcheck disable=SC2086
    "$SNNCC" -q $sopts "$model" -o "$d/c"
    # shellcheck disable=SC2086
    "$d/c/$base" $ropts --quiet --output "$d/out-c"
    # shellcheck disable=SC2086
    "$d/emu" $ropts --quiet --output "$d/out-emu"
    grep -q '"backend": "cuda"' "$d/out-emu/run.json"
    echo "== $name ($how)"
    # shellcheck disable=SC2086
    "$CMP" $how "$d/out-c" "$d/out-emu"
}
same_states() { # name files...
    local name=$1
    shift
    for f in "$@"; do
        cmp "$WORK/$name/out-c/$f" "$WORK/$name/out-emu/$f"
    done
    echo "recorded states identical: $*"
}
some_spikes() { # dir populations...
    local d=$1
    shift
    $PY - "$d/run.json" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = {p["name"]: p["spikes"] for p in r["populations"]}
empty = [p for p in sys.argv[2:] if not n[p]]
assert not empty, f"no spikes in {empty}"
PY
}

# --- 1. add_to_post / add_to_pre, sparse and dense ------------------------------------------
for dense in 0 1; do
    emulate "addto$dense" tests/cuda/learn_addto.lua "-D dense=$dense" "--time 30" exact
    some_spikes "$WORK/addto$dense/out-emu" T S E
    same_states "addto$dense" B_V.npy A_E.npy C_V.npy S_F.npy E_V.npy
done
grep -q "snn_k_pre_inputs" "$WORK/addto1/gen/learn_addto.cu"
# the exact sums: A's input E is the correctly rounded sum of w * V_post (as on the C back
# end, tests/e2e/add_to.sh); a float sum in row order would differ
$PY - "$WORK/addto0/out-emu" <<'PY'
import math, sys
import numpy as np
E = np.load(f"{sys.argv[1]}/A_E.npy")["v"]
assert (E[0] == 0.0).all() and (E[1:] != 0.0).all() and (E[1:] == E[1]).all(), E[:3]
print("add_to_pre: the exact sums arrive one step later, the same every step")
PY
# dense and sparse rows hold the same synapses: the same run
for f in B_V.npy A_E.npy S_F.npy E_V.npy; do cmp "$WORK/addto0/out-emu/$f" "$WORK/addto1/out-emu/$f"; done
echo "dense with a weight update model on the device: the sparse run's states"

# --- 2. custom updates ---------------------------------------------------------------------
CU_STATES="Out_V.npy Out_pi.npy P_V.npy P_U.npy"
for prec in 0 1; do
    emulate "cu$prec" tests/cuda/learn_cu.lua "-D float=$prec" "--time 40 --set params.Learn.eta=0.5" exact
    # shellcheck disable=SC2086
    same_states "cu$prec" $CU_STATES
done
some_spikes "$WORK/cu0/out-emu" S
# the softmax sums to 1 and the weights grew (V of P is driven by the learnt weights)
$PY - "$WORK/cu0/out-emu" <<'PY'
import sys
import numpy as np
pi = np.load(f"{sys.argv[1]}/Out_pi.npy")["v"]
assert abs(pi[-1].sum() - 1.0) < 1e-12 and pi[-1].min() > 0, pi[-1]
V = np.load(f"{sys.argv[1]}/P_V.npy")["v"]
d = np.diff(V[:, 0])
assert len(set(np.round(d[d > 0], 12))) > 2, "the weights did not change"
U = np.load(f"{sys.argv[1]}/P_U.npy")["v"]
assert U[2][3] == 0.0 and U[3][3] == 1.0 + 0.001 * 3 + 3.0, U[:4]
print("softmax sums to 1; learnt weights change the input; Tick every 3 steps")
PY
# dense plastic projection under a synapse custom update; the run config's schedule
emulate cud tests/cuda/learn_cu.lua "-D dense=1" "--time 40 --set custom_updates.Learn.every=4 --set custom_updates.Tick.every=0" exact
# shellcheck disable=SC2086
same_states cud $CU_STATES
if cmp -s "$WORK/cu0/out-emu/P_V.npy" "$WORK/cud/out-emu/P_V.npy"; then
    echo "FAIL: custom_updates in the run config changed nothing"; exit 1
fi
# CUDA graphs: stretches end where a group is due
d="$WORK/cu0"
"$d/emu" --time 40 --set params.Learn.eta=0.5 --set cuda_graph_steps=8 --quiet --output "$d/out-graph"
for f in $CU_STATES spikes_S.npy; do cmp "$d/out-c/$f" "$d/out-graph/$f"; done
grep -q '"graph_launches": [1-9]' "$d/out-graph/cuda.json"
echo "custom updates with CUDA graphs of 8 steps: identical"

# --- 3. custom-update extras: draws, the synapse's neurons ------------------------------------
emulate cux tests/cuda/cu_extras.lua "-D cuda=1" "--time 30" exact
same_states cux Dst_V.npy Dst_x.npy Dst_e.npy Dst_g.npy NDraw_sx.npy NDraw_n.npy
grep -q 'snn_rng_init_synk' "$WORK/cux/gen/cux.cu"
echo "custom updates with draws and V_post, z_pre: identical"
