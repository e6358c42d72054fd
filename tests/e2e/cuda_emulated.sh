#!/usr/bin/env bash
# The CUDA back end's generated code run on the CPU (no GPU needed): each <name>.cu is
# compiled by g++ against tests/cuda/emu/cuda_runtime.h (blocks of 32 threads run as
# coroutines, switched at barriers; host memory), linked with the host half, run, and
# compared with the C back end's simulator (tools/snn_compare.c).  This checks the whole
# device pipeline: copies, spike queues, both propagation strategies, dendritic rings,
# weight update kernels, recording blocks and their flush, spike counts, dense matrices,
# procedural rows regenerated on the device (every rule), extra global parameters,
# random draws in synapse code and CUDA graphs of the step loop.  Where no float sum
# depends on the order of additions the spikes (and recorded states) must be identical
# (host math here, so libdevice is not involved); elsewhere the rates must agree.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
cc -O2 -o "$WORK/snn-compare" tools/snn_compare.c -lm
CMP="$WORK/snn-compare"

source tests/lib/cuda_emu.sh # emu_runtime: the CUDA runtime library's source for the emulation
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
    emu_device "$d/gen/emu.cc" "$d/emu.o" # EMU_FLAGS: extra definitions for the device half
    local rt
    rt=$(emu_runtime "${EMU_FLAGS:-}")
    # shellcheck disable=SC2086 # SNNCC_CFLAGS: the sanitizers under make asan
    emu_obj "$d/gen/$base.c" "$d/host.o" cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$rt" "$RT/lib/libsnnrt.a" -lyaml -lm
    # shellcheck disable=SC2086
    "$SNNCC" -q $sopts "$model" -o "$d/c"
    # shellcheck disable=SC2086
    "$d/c/$base" $ropts --quiet --output "$d/out-c"
    # shellcheck disable=SC2086
    # shellcheck disable=SC2086 # EMU_RUN_ENV: the emulated run's environment
    env ${EMU_RUN_ENV:-} "$d/emu" $ropts --quiet --output "$d/out-emu"
    grep -q '"backend": "cuda"' "$d/out-emu/run.json"
    grep -q '"device": "CPU emulation' "$d/out-emu/cuda.json"
    echo "== $name ($how)"
    # shellcheck disable=SC2086
    "$CMP" $how "$d/out-c" "$d/out-emu"
}

emulate lif_single models/lif_single.lua "" "--time 200" exact
emulate sources_pre tests/cuda/sources.lua "--cuda-span *=pre" "--time 300" exact
emulate sources_post tests/cuda/sources.lua "--cuda-span *=post" "--time 300" exact
# spike times from a file at run time (spike_times): the device gets the file's lists
awk 'BEGIN { for (i = 0; i < 10; i++) for (k = 1; k <= 4; k++) print i, 7.3 * k + i }' \
    >"$WORK/sources_times.txt"
d="$WORK/sources_pre"
"$d/c/sources" --time 300 --quiet --output "$d/out-c2" --set spike_times.S="$WORK/sources_times.txt"
"$d/emu" --time 300 --quiet --output "$d/out-emu2" --set spike_times.S="$WORK/sources_times.txt"
"$CMP" exact "$d/out-c2" "$d/out-emu2"
if cmp -s "$d/out-c/spikes_S.npy" "$d/out-c2/spikes_S.npy"; then
    echo "FAIL: spike_times did not change the spike source"; exit 1
fi
echo "spike times from a file: identical on the device"
# a data set at run time (spike_source_dataset): spike lists, labels and examples on the device
$PY - "$WORK/ds" <<'EOF'
import numpy as np, os, sys
rng = np.random.default_rng(8)
n = [int(rng.integers(0, 60)) for _ in range(12)]
t = np.concatenate([np.sort(rng.uniform(0, 9.7, k)) for k in n]).astype(np.float32)
os.makedirs(sys.argv[1], exist_ok=True)
np.save(sys.argv[1] + "/times.npy", t)
np.save(sys.argv[1] + "/units.npy", rng.integers(0, 40, len(t)).astype(np.int32))
np.save(sys.argv[1] + "/offsets.npy", np.cumsum([0] + n).astype(np.int64))
np.save(sys.argv[1] + "/labels.npy", rng.integers(0, 5, 12).astype(np.int64))
EOF
emulate dataset tests/cuda/dataset.lua "" "--time 150 --set datasets.In.file=$WORK/ds --set datasets.In.order=shuffle" exact
for f in P_L P_X P_C; do cmp "$WORK/dataset/out-c/$f.npy" "$WORK/dataset/out-emu/$f.npy"; done
$PY -c "import numpy as np, sys; c = np.load(sys.argv[1])['v']; assert c[-1].min() > 0 and len(set(np.load(sys.argv[2])['v'][:, 0])) > 3" \
    "$WORK/dataset/out-c/P_C.npy" "$WORK/dataset/out-c/P_L.npy"
echo "a data set (shuffled): spikes, labels and examples identical on the device"
emulate pair_pre tests/cuda/pair.lua "--cuda-span *=pre" "--time 100" exact
cmp "$WORK/pair_pre/out-c/post_acc.npy" "$WORK/pair_pre/out-emu/post_acc.npy"
emulate pair_post tests/cuda/pair.lua "--cuda-span *=post" "--time 100" exact
cmp "$WORK/pair_post/out-c/post_acc.npy" "$WORK/pair_post/out-emu/post_acc.npy"
echo "weights after STDP identical (post_acc.npy)"
emulate runtime tests/cuda/runtime.lua "" "--time 100 --set params.drive.amp=600 --set params.kick.rate=900 --set params.kick.weight=20 --set params.EE.A_plus=0.05" exact
cmp "$WORK/runtime/out-c/post_acc.npy" "$WORK/runtime/out-emu/post_acc.npy"
grep -q '"kick.rate": 900' "$WORK/runtime/out-emu/run.json"
echo "runtime parameters of current sources and synapses: identical"
emulate brunel_post models/brunel.lua "-D scale=0.05 --cuda-span *=post" "--time 150" "rates 0.2"
emulate brunel_pre models/brunel.lua "-D scale=0.05 --cuda-span *=pre" "--time 150" "rates 0.2"
emulate features tests/cuda/features.lua "" "--time 200 --set params.A.I_e=600" "rates 0.25"
emulate hpc_plastic models/hpc_benchmark.lua "-D scale=0.02 -D plastic=1" "--time 40" "rates 0.3"

# formats, extra global parameters, random draws in synapse code.  Every case is exact:
# identical spikes and recorded states, with spikes in every population named (so that
# the comparison cannot pass on empty files).
some_spikes() { # dir populations...
    local d=$1
    shift
    $PY - "$d/run.json" "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
n = {p["name"]: p["spikes"] for p in r["populations"]}
empty = [p for p in sys.argv[2:] if not n[p]]
assert not empty, f"no spikes in {empty}"
EOF
}
same_states() { # name files...
    local name=$1
    shift
    for f in "$@"; do
        cmp "$WORK/$name/out-c/$f" "$WORK/$name/out-emu/$f"
    done
    echo "recorded states identical: $*"
}
FMT_POPS="P Dp Da Do Di Dt D1 Pa P1 Pp Pq Po Pm Pw Pi"
FMT_STATES="P_V.npy Pa_V.npy Pp_V.npy Po_V.npy Pw_V.npy Pi_V.npy"
# every rule of both formats with random weights, one synaptic event per step and input
emulate formats tests/cuda/formats.lua "" "--time 50" exact
# shellcheck disable=SC2086
some_spikes "$WORK/formats/out-emu" $FMT_POPS
# shellcheck disable=SC2086
same_states formats $FMT_STATES
grep -q '"name": "P_to_Dp", "span": "dense"' "$WORK/formats/out-emu/cuda.json"
grep -q '"name": "P_to_Pp", "span": "procedural"' "$WORK/formats/out-emu/cuda.json"
# the device's rows of each procedural projection, counted and hashed once at the start,
# are the host's (11 procedural projections in formats.lua)
rows_identical() { # cuda.json count
    local n
    n=$(grep -o '"device_rows": "identical"' "$1" | wc -l)
    if [ "$n" -ne "$2" ] || grep -q '"device_rows": "differ"' "$1"; then
        echo "FAIL: $1: $n of $2 procedural projections with the host's rows"
        exit 1
    fi
    echo "procedural rows on the device: the host's ($n projections)"
}
rows_identical "$WORK/formats/out-emu/cuda.json" 11
grep -q "projection 'P_to_Pp': P -> Pp, procedural, a warp per spiking row" "$WORK/formats/gen/formats.cu"
grep -q "projection 'P_to_Po': P -> Po, procedural, a block per spiking row" "$WORK/formats/gen/formats.cu"
# fixed_outdegree rows by the path taken after a rejected word (one thread, in order)
EMU_FLAGS=-DSNN_TEST_SEQUENTIAL_ROWS emulate formats_seq tests/cuda/formats.lua "" "--time 30" exact
# shellcheck disable=SC2086
same_states formats_seq $FMT_STATES
# state recordings flushed whenever their device rows are full (here every row or two,
# instead of at the end of a block of steps)
EMU_FLAGS=-DSNN_VRB_BYTES=100 emulate formats_vrb tests/cuda/formats.lua "" "--time 30" exact
# shellcheck disable=SC2086
same_states formats_vrb $FMT_STATES
# a recurrent network, many spikes per step onto a target, exact weights (delta synapses)
emulate fmtnet_dense tests/cuda/formats_net.lua "-D fmt=1" "--time 200" exact
emulate fmtnet_procedural tests/cuda/formats_net.lua "-D fmt=2" "--time 200" exact
some_spikes "$WORK/fmtnet_procedural/out-emu" E I
rows_identical "$WORK/fmtnet_procedural/out-emu/cuda.json" 5
# sparse projections built on the device (the default): every rule, random weights and
# per-synapse delays; the connectivity checksums are compared with the C build's, and the
# arrays entry by entry with a host build (SNN_CUDA_CONSTRUCT=check)
SP_POPS="P Sp Sa So Sm Si Sj St Su S1 Sc Sl"
SP_STATES="P_V.npy Sp_V.npy So_V.npy Si_V.npy Su_V.npy Sc_V.npy"
built() { # cuda.json where count
    local n
    n=$(grep -o "\"built\": \"$2\"" "$1" | wc -l)
    [ "$n" -eq "$3" ] || { echo "FAIL: $1: $n projections built on the $2, not $3"; exit 1; }
}
emulate sparse tests/cuda/sparse.lua "" "--time 50" exact
# shellcheck disable=SC2086
some_spikes "$WORK/sparse/out-emu" $SP_POPS
# shellcheck disable=SC2086
same_states sparse $SP_STATES
built "$WORK/sparse/out-emu/cuda.json" device 15
grep -q '"name": "P_to_Sl", "span": "post", "max_row": [0-9]*, "built": "host", "built_why": "lognormal' \
    "$WORK/sparse/out-emu/cuda.json"
SNN_CUDA_CONSTRUCT=check "$WORK/sparse/emu" --time 5 --quiet --output "$WORK/sparse/out-check"
[ "$(grep -o '"built_check": "identical"' "$WORK/sparse/out-check/cuda.json" | wc -l)" -eq 15 ] ||
    { echo "FAIL: sparse: rows built on the device differ from the host's"; exit 1; }
SNN_CUDA_CONSTRUCT=host "$WORK/sparse/emu" --time 50 --quiet --output "$WORK/sparse/out-host"
built "$WORK/sparse/out-host/cuda.json" host 16
"$CMP" exact "$WORK/sparse/out-c" "$WORK/sparse/out-host" >/dev/null
echo "sparse rows built on the device: the host's entry by entry (15 projections)"
# fixed_indegree, fixed_total and fixed_outdegree by the sequential path of
# snn_row_outdegree, rows sorted by the global-memory path of the segment sort
EMU_FLAGS="-DSNN_TEST_SEQUENTIAL_ROWS -DSNN_TEST_GLOBAL_SORT" emulate sparse_seq tests/cuda/sparse.lua "" "--time 30" exact
# --cuda-construct host: the host builds everything
emulate sparse_host tests/cuda/sparse.lua "--cuda-construct host" "--time 30" exact
built "$WORK/sparse_host/out-emu/cuda.json" host 16
grep -q '"built_why": "--cuda-construct host"' "$WORK/sparse_host/out-emu/cuda.json"
# a recurrent network with sparse rows built on the device, exact weights
emulate fmtnet_sparse tests/cuda/formats_net.lua "-D fmt=3" "--time 200" exact
some_spikes "$WORK/fmtnet_sparse/out-emu" E I
built "$WORK/fmtnet_sparse/out-emu/cuda.json" device 5
# extra global parameters; draws in on_pre, on_post, pre_spike and post_dynamics
emulate egp_rng_pre tests/cuda/egp_rng.lua "--cuda-span *=pre" "--time 100" exact
some_spikes "$WORK/egp_rng_pre/out-emu" D post
same_states egp_rng_pre D_far.npy post_acc.npy
emulate egp_rng_post tests/cuda/egp_rng.lua "--cuda-span *=post" "--time 60" exact
same_states egp_rng_post D_far.npy post_acc.npy
# synapse-keyed draws (source, target, ordinal among multapses) in on_pre, on_post and
# dynamics and random initial values of a synapse variable: the device's are the host's
for span in pre post; do
    emulate syn_rng_$span tests/cuda/syn_rng.lua "-D cuda=1 --cuda-span *=$span" "--time 3" exact
    same_states syn_rng_$span post_acc.npy
done
# a weight update model built on the device: its rows and its column view (on_post) are
# the host's entry by entry
built "$WORK/egp_rng_pre/out-emu/cuda.json" device 1
SNN_CUDA_CONSTRUCT=check "$WORK/egp_rng_pre/emu" --time 5 --quiet --output "$WORK/egp_rng_pre/out-check"
grep -q '"built": "device", "built_check": "identical"' "$WORK/egp_rng_pre/out-check/cuda.json"
echo "plastic projection built on the device, its column view too: the host's"
# the shipped models' networks built on the device: connectivity checksums as the C
# build's (short runs: "rates 1e9" compares only the checksums), and every entry as a host
# build's (SNN_CUDA_CONSTRUCT=check): fixed_probability (COBA), fixed_total with
# normal_clipped weights and per-synapse delays (the microcircuit)
# (one run each, SNN_CUDA_CONSTRUCT=check: the rows built on the device are used and
# compared with a host build's)
EMU_RUN_ENV=SNN_CUDA_CONSTRUCT=check emulate coba_built models/coba.lua "-D scale=0.25" "--time 2" "rates 1e9"
built "$WORK/coba_built/out-emu/cuda.json" device 4
EMU_RUN_ENV=SNN_CUDA_CONSTRUCT=check emulate microcircuit_built models/microcircuit.lua \
    "-D N_scale=0.02 -D K_scale=0.05" "--time 2" "rates 1e9"
n=$(grep -o '"built": "device"' "$WORK/microcircuit_built/out-emu/cuda.json" | wc -l)
[ "$n" -eq 55 ] && ! grep -q '"built": "host"' "$WORK/microcircuit_built/out-emu/cuda.json" ||
    { echo "FAIL: microcircuit: $n projections built on the device, some on the host"; exit 1; }
for m in coba:4 microcircuit:55; do
    j="$WORK/${m%:*}_built/out-emu/cuda.json"
    [ "$(grep -o '"built_check": "identical"' "$j" | wc -l)" -eq "${m#*:}" ] && ! grep -q '"built_check": "differ"' "$j" ||
        { echo "FAIL: ${m%:*}: rows built on the device differ from the host's"; exit 1; }
done
echo "COBA and microcircuit built on the device: the C build's checksums, the host's entries"

# out of device memory (the emulation's SNN_EMU_DEVICE_BYTES): a projection whose rows and
# sort keys do not fit is built on the host and copied; rows that do not fit at all stop
# the run with what they were for and how much the GPU has
cat >"$WORK/big.lua" <<'LUA'
network { name = "big", dt = 0.1, seed = 5 }
local cell = neuron { name = "cell", vars = { V = 0.0 }, sim = "V += Isyn;",
                      threshold = "V >= 100.0", reset = "V = 0.0;" }
local A = population { "A", cell, 200 }
local B = population { "B", cell, 200 }
projection { A, B, conn = all_to_all(), weight = uniform(0.0, 1.0), delay = 0.1 }
LUA
emulate big "$WORK/big.lua" "" "--time 1" exact
built "$WORK/big/out-emu/cuda.json" device 1
SNN_EMU_DEVICE_BYTES=400000 "$WORK/big/emu" --time 1 --quiet --output "$WORK/big/out-400k"
grep -q '"built": "host", "built_why": "device memory (rows and sort keys)"' "$WORK/big/out-400k/cuda.json"
"$CMP" exact "$WORK/big/out-c" "$WORK/big/out-400k" >/dev/null
st=0
SNN_EMU_DEVICE_BYTES=100000 "$WORK/big/emu" --time 1 --quiet --output "$WORK/big/out-100k" \
    2>"$WORK/big/err" || st=$?
[ "$st" -ne 0 ] && [ "$st" -lt 124 ] # 1 (or LeakSanitizer's status under make asan)
grep -q "cannot allocate .* on the GPU for projection 'A_to_B' .* already allocated, the GPU has" \
    "$WORK/big/err"
grep -q '"status": "failed"' "$WORK/big/out-100k/run.json"
echo "out of device memory: built on the host when rows and keys do not fit; a clear error when rows do not"

# CUDA graphs (run config cuda_graph_steps): the same files as the stream launches, on
# models with spike recording blocks, spike sources, state recording (a host copy after
# chosen steps), plasticity (five kernels a step) and procedural rows; stretches of G
# steps as one launch, the other untimed steps as one-step graphs; the device's step
# counter checked against the host's at the end (the run fails otherwise)
graphs() { # name run-options G [fewer: fewer launches than steps expected]
    local d="$WORK/$1" g=$3 f
    # shellcheck disable=SC2086
    "$d/emu" $2 --quiet --output "$d/out-graph$g" --set cuda_graph_steps="$g"
    local n=0
    for f in $(find "$d/out-emu" -name '*.npy'); do # (globbing is off)
        cmp "$f" "$d/out-graph$g/$(basename "$f")" || { echo "FAIL: $1, G=$g: $(basename "$f")"; exit 1; }
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || { echo "FAIL: $1: no recordings to compare"; exit 1; }
    $PY - "$d/out-emu/cuda.json" "$d/out-graph$g/cuda.json" "$g" "$1" "${4:-}" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
g = int(sys.argv[3])
assert a["graph_steps"] == 0 and a["graph_launches"] == 0, a
assert b["graph_steps"] == g and b["graph_launches"] > 0, b
steps, sampled = b["steps"], b["sampled_steps"]
# every step is either sampled for the timers (stream launches) or in a graph
assert b["steps_in_graphs"] + sampled == steps, (b["steps_in_graphs"], sampled, steps)
if sys.argv[5] == "fewer":
    # stretches between sampled steps (every 64th) go as G-step graphs, the rest as
    # power-of-two ones: at most 1 + log2(G) + 63 / G launches per 64 steps
    import math
    per64 = 1 + math.log2(g) + 63 / g
    assert b["graph_launches"] <= steps / 64 * per64 + 2, (b["graph_launches"], per64)
print(f"ok   {sys.argv[4]}, cuda_graph_steps={g}: identical; {b['graph_launches']} graph launches "
      f"for {b['steps_in_graphs']} of {steps} steps")
PY
}
graphs sources_pre "--time 300" 8 fewer
graphs sources_post "--time 300" 1
graphs pair_post "--time 100" 5
graphs egp_rng_post "--time 60" 16
graphs formats "--time 50" 7
graphs brunel_post "--time 150" 32 fewer
graphs hpc_plastic "--time 40" 8 fewer

# networks from data (from_list with weights and delays, from_matrix, from_file initial
# values) and initial values from code: the host reads the files and builds, the device
# gets the arrays
source tests/lib/examples.sh
emulate connectome "$(example_model docs/examples/connectome.lua)" "" "--time 100" exact
cat >"$WORK/izh_init.lua" <<'LUA'
network { name = "izh_init", dt = 0.1 }
local izh = neuron {
  name = "izh_per_neuron", params = { I_e = 10.0 },
  vars = { a = uniform(0.02, 0.1), b = uniform(0.2, 0.25), c = uniform(-65.0, -50.0),
           d = uniform(2.0, 8.0), V = "c - 5.0", U = "b * V" },
  sim = [[
    scalar I = Isyn + I_e;
    V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I);
    V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I);
    U += dt * a * (b * V - U);
  ]],
  threshold = "V >= 30.0", reset = "V = c; U += d;",
}
population { "P", izh, 500, init = { a = { 0.02, 0.1, 0.05, table.unpack((function()
  local t = {} for i = 4, 500 do t[#t + 1] = 0.02 end return t end)()) } } }
record { P = { "spikes", "U", every = 10 } }
LUA
emulate izh_init "$WORK/izh_init.lua" "" "--time 100" exact
