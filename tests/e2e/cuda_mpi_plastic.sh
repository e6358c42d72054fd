#!/usr/bin/env bash
# Weight update models with --backend cuda --mpi (docs/cuda.md "GPU + MPI"), no GPU needed:
# tests/cuda/plastic_mpi.lua (STDP with pre- and postsynaptic spike code and dynamics,
# on_pre / on_post with random draws keyed by the synapse, add_to_post in on_pre; a
# recurrent projection with synapse 'dynamics' reading V_post and adding into the targets)
# generated with -b cuda --mpi, run in the CPU emulation (tests/lib/cuda_emu.sh) under
# mpirun on 1 and 2 ranks (both exchange modes) and compared with the C back end's MPI
# simulator at the same rank count: spikes and recorded V identical, and every rank's
# state (weights, synapse, pre- and postsynaptic variables, neurons, rewired rows: the
# checkpoint pieces written at the end, the spike queues aside) identical.  Three builds:
# presynaptic spike code (exchanged every step, the kernels split around the exchange) with
# a connectivity update of SE (add.count, the column view of on_post rebuilt); no
# presynaptic spike code (exchanged every 3 steps); add_to_pre (the exact sums over the
# ranks) with candidates rewiring EE (its dynamics over the column view).  The connectivity
# updates' counts are the C simulator's; tests/cuda/learn_addto.lua -D dense=1 (dense plastic
# rows, add_to_pre into sources spanning 12 orders of magnitude) on 3 ranks: spikes and
# recorded states the C simulator's; also with CUDA graphs of 8 steps and after a
# restore at half time on 2 ranks.  Faults are caught: the synapses' draws keyed by
# this rank's target index, pre_spike seeing this rank's spikes only, add_to_pre summed on
# each rank alone.  nvcc compiles the generated code for sm_90.
set -euo pipefail
set -f
source tests/lib/mpi.sh # the Open MPI check, MPIRUN, ASAN_OPTIONS
RT="$PWD/$BUILD"
mkdir -p "$WORK"
cc -O2 -o "$WORK/snn-compare" tools/snn_compare.c -lm
CMP="$WORK/snn-compare"
source tests/lib/cuda_emu.sh
emu_quick
MODEL=tests/cuda/plastic_mpi.lua

# build NAME "snncc options" [MODEL]: the emulated CUDA MPI simulator (DIR/emu) and the C
# one (DIR/c)
build() {
    local d="$WORK/$1" model=${3:-$MODEL}
    local base
    base=$(basename "$model" .lua)
    # shellcheck disable=SC2086
    "$SNNCC" -q -S -b cuda --mpi $2 "$model" -o "$d/gen"
    sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$base.cu" >"$d/gen/emu.cc"
    link_emu "$d" "$base"
    # shellcheck disable=SC2086
    "$SNNCC" -q --mpi $2 "$model" -o "$d/c"
}
link_emu() { # DIR [BASE]: DIR/emu from DIR/gen/emu.cc and the host half
    local d=$1 base=${2:-plastic_mpi}
    EMU_FLAGS=-DSNN_MPI=1 emu_device "$d/gen/emu.cc" "$d/emu.o"
    # shellcheck disable=SC2086
    emu_obj "$d/gen/$base.c" "$d/host.o" mpicc -O2 -fopenmp -ffp-contract=off \
        -DSNN_MPI=1 ${SNNCC_CFLAGS:-} -I"$RT/include/snncc"
    # shellcheck disable=SC2086
    mpicxx -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
        "$RT/lib/libsnnrt_mpi.a" -lyaml -lm
}

# run NAME RANKS EXCHANGE [TAG]: both simulators, spikes and V compared, then every rank's
# synapse state (checkpoint pieces at the end)
run() {
    local d="$WORK/$1" np=$2 x=$3 tag=${4:-}
    local r="$np-$x$tag"
    "${MPIRUN[@]}" -np "$np" "$d/c/plastic_mpi" --time 60 --set exchange="$x" --quiet \
        --output "$d/c-$r" --set "checkpoint.dir=$d/ck-c-$r" --set checkpoint.at_end=true
    "${MPIRUN[@]}" -np "$np" "$d/emu" --time 60 --set exchange="$x" --quiet \
        --output "$d/emu-$r" --set "checkpoint.dir=$d/ck-emu-$r" --set checkpoint.at_end=true
    grep -q '"backend": "cuda"' "$d/emu-$r/run.json"
    echo "== $1, $np ranks, $x$tag"
    "$CMP" exact "$d/c-$r" "$d/emu-$r"
    same_rw "$d/c-$r/run.json" "$d/emu-$r/run.json"
    same_syn "$d/ck-c-$r" "$d/ck-emu-$r" "$np" "$d/c-$r/run.json"
}

# same_rw RUN_JSON_C RUN_JSON_EMU: the connectivity update's counts (if any) identical, and
# synapses removed and added
same_rw() {
    $PY - "$@" <<'PY'
import json, sys
ca, cb = ([{k: v for k, v in u.items() if not k.endswith("_s")}
           for u in json.load(open(p)).get("connectivity_updates", [])] for p in sys.argv[1:3])
assert ca == cb, f"connectivity_updates differ: {ca} vs {cb}"
for u in ca:
    assert u["removed"] > 0 and u["added"] > 0, u
if ca:
    print(f"ok   connectivity update counts identical: {ca[0]}")
PY
}

# same_syn CK_C CK_EMU RANKS RUN_JSON: every rank's synapse pieces identical, the weights
# changed (not the initial ones), spikes in both populations
same_syn() {
    $PY - "$@" <<'PY'
import json, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"]}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"]}
assert a["step"] == b["step"] and a["step"] > 0, (a["step"], b["step"])
# every piece but the spike queues (whose unused slots the two back ends leave differently)
keys = [k for k in fa if "/snn_spk_" not in k and "/snn_spkcnt_" not in k]
for r in range(int(sys.argv[3])):
    mine = [k for k in keys if k.startswith(f"rank{r}/")]
    need = ["snn_syn_SE.weight", "snn_syn_EE.weight", "snn_sv_SE_w", "snn_sv_SE_c",
            "snn_pv_SE_x", "snn_qv_SE_y", "snn_sv_EE_e"]
    for n in need:
        assert any(k.endswith("/" + n) for k in mine), f"rank {r}: no piece {n}: {sorted(fa)}"
    for k in mine:
        assert fa[k] == fb.get(k), f"{k} differs: {fa[k]} vs {fb.get(k)}"
j = json.load(open(sys.argv[4]))
print(f"ok   {len(keys)} pieces (neurons, synapses, pre- and postsynaptic variables) "
      f"identical on {sys.argv[3]} rank(s)")
PY
}

build pre "-D rw=1"
build nopre "-D prespike=0"
build addpre "-D addpre=1 -D rw=2"
run pre 2 p2p
run nopre 2 p2p
run addpre 1 collective
run addpre 2 p2p
run addpre 2 collective
# tests/cuda/learn_addto.lua with its plastic all_to_all projection dense (full rows of a
# rank's targets), add_to_pre into 200 sources spanning 12 orders of magnitude, add_to_post
# in dynamics and on_pre, on 3 ranks: spikes and every recorded state the C simulator's
build dense "-D dense=1" tests/cuda/learn_addto.lua
d="$WORK/dense"
"${MPIRUN[@]}" -np 3 "$d/c/learn_addto" --time 30 --quiet --output "$d/c-3"
"${MPIRUN[@]}" -np 3 "$d/emu" --time 30 --quiet --output "$d/emu-3"
echo "== dense (learn_addto.lua), 3 ranks"
"$CMP" exact "$d/c-3" "$d/emu-3"
for f in A_E B_V C_V E_V S_F; do
    cmp "$d/c-3/$f.npy" "$d/emu-3/$f.npy" || { echo "FAIL: dense, 3 ranks: $f differs"; exit 1; }
done
echo "ok   recorded states identical (add_to_pre sums A_E, add_to_post B_V, C_V)"

# the synapses did learn: on 2 ranks every rank's SE weights moved off their initial 8.0,
# on_pre counted arrivals (c), the traces and EE's dynamics are nonzero
$PY - "$WORK/pre/ck-emu-2-p2p" "$WORK/addpre/ck-emu-2-p2p" <<'PY'
import json, struct, sys
for d in sys.argv[1:]:
    m = json.load(open(d + "/manifest.json"))
    def vals(piece):
        f = next(f for f in m["pieces"] if f["piece"] == piece)
        raw = open(d + "/" + f["file"], "rb").read()[f["offset"]:f["offset"] + f["bytes"]]
        return struct.unpack(f"{len(raw) // 8}d", raw[:len(raw) // 8 * 8])
    for r in (0, 1):
        w, c = vals(f"rank{r}/snn_syn_SE.weight"), vals(f"rank{r}/snn_sv_SE_c")
        assert len(w) > 50 and sum(x != 8.0 for x in w) > len(w) // 2, (d, r, w[:8])
        assert sum(c) > 100, (d, r, sum(c))
        assert any(vals(f"rank{r}/snn_pv_SE_x")) and any(vals(f"rank{r}/snn_qv_SE_y")), (d, r)
        assert any(vals(f"rank{r}/snn_sv_EE_e")), (d, r)
print("ok   the synapses learnt: weights moved, arrivals counted, traces nonzero")
PY

# CUDA graphs of 8 steps (with the exchange every step each graph holds one step's kernels
# before the exchange), and a restore: 30 ms with a checkpoint, then on to 60 ms; both end as the
# uninterrupted C run
d="$WORK/pre"
# (graphs are off in a run that writes checkpoints: spikes, V and counts compared)
"${MPIRUN[@]}" -np 2 "$d/emu" --time 60 --set exchange=p2p --set cuda_graph_steps=8 --quiet \
    --output "$d/emu-graph"
grep -q '"graph_launches": [1-9]' "$d/emu-graph/cuda.json" || { echo "FAIL: no graph launched"; exit 1; }
"$CMP" exact "$d/c-2-p2p" "$d/emu-graph"
same_rw "$d/c-2-p2p/run.json" "$d/emu-graph/run.json"
echo "ok   with CUDA graphs of 8 steps"
"${MPIRUN[@]}" -np 2 "$d/emu" --time 30 --set exchange=p2p --quiet --output "$d/emu-half" \
    --set "checkpoint.dir=$d/ck-half" --set checkpoint.at_end=true
"${MPIRUN[@]}" -np 2 "$d/emu" --time 60 --set exchange=p2p --quiet --output "$d/emu-rest" \
    --restore "$d/ck-half" --set "checkpoint.dir=$d/ck-emu-rest" --set checkpoint.at_end=true
same_syn "$d/ck-c-2-p2p" "$d/ck-emu-rest" 2 "$d/c-2-p2p/run.json"
same_rw "$d/c-2-p2p/run.json" "$d/emu-rest/run.json"
echo "ok   restored on 2 ranks at 30 ms: the uninterrupted run's end"

# fault NAME WHAT SED-EXPRESSION: NAME's emulated simulator with the fault, on 2 ranks
# (p2p), must differ from the C one
fault() {
    local d="$WORK/$1" what=$2 expr=$3
    cp "$d/gen/emu.cc" "$d/gen/emu.good"
    sed -i "$expr" "$d/gen/emu.cc"
    if cmp -s "$d/gen/emu.cc" "$d/gen/emu.good"; then
        echo "FAIL: $1: the fault ($what) is not in the code"; exit 1
    fi
    link_emu "$d"
    if run "$1" 2 p2p -fault >"$d/fault.log" 2>&1; then
        cat "$d/fault.log"; echo "FAIL: $1: $what went unnoticed"; exit 1
    fi
    echo "ok   $1: $what is caught ($(grep -m1 -o 'rank[0-9]/[a-zA-Z_.0-9]* differs\|[A-Za-z]*: spike files differ' "$d/fault.log" || echo differs))"
    mv "$d/gen/emu.good" "$d/gen/emu.cc"
}
# the synapse-keyed draws of on_pre, on_post keyed by this rank's target index
fault pre "draws keyed by the rank's own target index" \
    's/snn_rng_init_synk(\(.*\), SNN_LO_E + snn_post, snn_ord/snn_rng_init_synk(\1, snn_post, snn_ord/'
# pre_spike from this rank's spikes only (the other ranks' not flagged)
fault pre "presynaptic spike code missing other ranks' spikes" \
    's/snn_gflag_S\[snn_spk_S\[(size_t)slot \* SNN_N_S + s\]\] = 1;/if (snn_spk_S[(size_t)slot * SNN_N_S + s] - SNN_LO_S < SNN_NL_S) &/'
# add_to_pre's sums not added over the ranks
fault addpre "add_to_pre summed on each rank alone" 's/snn_sum_int64(snn_xh, snn_n);/(void)snn_xh;/'

NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
    for n in pre nopre addpre dense; do
        # shellcheck disable=SC2086
        "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -DSNN_MPI=1 -Werror all-warnings \
            -I"$RT/include/snncc" -c "$(find "$WORK/$n/gen" -name "*.cu")" -o "$WORK/$n/nvcc.o" ||
            { echo "FAIL: nvcc: $n"; exit 1; }
    done
    echo "ok   nvcc -arch=sm_90 compiles the plastic models with --mpi"
else
    echo "SKIP: nvcc not found ($NVCC): the sm_90 compile is not checked"
fi
