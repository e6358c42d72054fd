#!/usr/bin/env bash
# Custom updates with --backend cuda --mpi (docs/cuda.md "GPU + MPI"), no GPU needed:
# tests/cuda/custom_mpi.lua (a softmax over a readout: max and sum reductions over the
# neurons, references to the other updates' reductions, pi written back and read by the
# dynamics; a per-neuron update with id, t and draws; an update over a projection's
# synapses with V_post, id_pre, id_post, draws, a runtime parameter and a per-synapse
# variable; an at_end sum) generated with -b cuda --mpi, run in the CPU emulation
# (tests/lib/cuda_emu.sh) under mpirun on 1, 2 and 3 ranks and compared with the C back
# end's MPI simulator at the same rank count and with one C process: spikes and the
# recorded states identical, and every rank's state (neurons, synapses, the updates'
# variables and reductions: the checkpoint pieces at the end, the spike queues aside) the C
# MPI simulator's.  Faults are caught: a maximum taken over the rank's neurons alone, the
# synapse update's draws keyed by the rank's own target index.  Checkpoints: 20 ms, written,
# restored to 40 ms, on 1 and 2 ranks: the restored run is the C MPI simulator's restored
# run, and (Fin's at_end off in the first half) the uninterrupted run's last 20 ms.  SP is
# delivered by the ordered strategy (--cuda-span '*=ordered', docs/cuda.md): the
# postsynaptic one adds a target's inputs position by position, not in C's order, and
# Isyn differed in the last bit at some steps (hidden in the recordings of uninterrupted
# runs, seen in U after a restore).  nvcc compiles the generated code for sm_90.
set -euo pipefail
set -f
source tests/lib/mpi.sh # the Open MPI check, MPIRUN, ASAN_OPTIONS
RT="$PWD/$BUILD"
mkdir -p "$WORK"
cc -O2 -o "$WORK/snn-compare" tools/snn_compare.c -lm
CMP="$WORK/snn-compare"
source tests/lib/cuda_emu.sh
emu_quick
MODEL=tests/cuda/custom_mpi.lua
d="$WORK/cu"
RUNOPT=(--time 40 --quiet --set params.Learn.eta=0.08)

"$SNNCC" -q -S -b cuda --mpi --cuda-span '*=ordered' "$MODEL" -o "$d/gen"
sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
    "$d/gen/custom_mpi.cu" >"$d/gen/emu.cc"
link_emu() {
    EMU_FLAGS=-DSNN_MPI=1 emu_device "$d/gen/emu.cc" "$d/emu.o"
    # shellcheck disable=SC2086
    emu_obj "$d/gen/custom_mpi.c" "$d/host.o" mpicc -O2 -fopenmp -ffp-contract=off \
        -DSNN_MPI=1 ${SNNCC_CFLAGS:-} -I"$RT/include/snncc"
    # shellcheck disable=SC2086
    mpicxx -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
        "$RT/lib/libsnnrt_mpi.a" -lyaml -lm
}
link_emu
"$SNNCC" -q --mpi "$MODEL" -o "$d/c"
"$SNNCC" -q "$MODEL" -o "$d/c1"
"$d/c1/custom_mpi" "${RUNOPT[@]}" --output "$d/one"

# same OUT_A OUT_B WHAT: spikes and every recorded state identical
same() {
    "$CMP" exact "$1" "$2"
    for f in Out_V Out_pi Out_x Out_U Tick_n; do
        cmp "$1/$f.npy" "$2/$f.npy" || { echo "FAIL: $3: $f differs"; exit 1; }
    done
}

# same_pieces CK_C CK_EMU RANKS: every rank's checkpoint pieces (the spike queues aside)
# identical, the updates' variables among them
same_pieces() {
    $PY - "$@" <<'PY'
import json, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"]}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"]}
assert a["step"] == b["step"] and a["step"] > 0, (a["step"], b["step"])
keys = [k for k in fa if "/snn_spk_" not in k and "/snn_spkcnt_" not in k]
for r in range(int(sys.argv[3])):
    mine = [k for k in keys if k.startswith(f"rank{r}/")]
    for n in ["snn_syn_SP.weight", "snn_sv_SP_g", "snn_cuv_Learn_acc", "snn_cuv_Tick_n",
              "snn_cuv_SoftmaxSum_S", "snn_cuv_SoftmaxMax_M", "snn_cuv_Fin_T"]:
        assert any(k.endswith("/" + n) for k in mine), f"rank {r}: no piece {n}: {sorted(fa)}"
    for k in mine:
        assert fa[k] == fb.get(k), f"{k} differs: {fa[k]} vs {fb.get(k)}"
print(f"ok   {len(keys)} pieces (neurons, synapses, the updates' variables) identical")
PY
}

# run RANKS [TAG]: both MPI simulators on RANKS ranks, compared with each other (every
# rank's checkpoint pieces too) and with the one C process
run() {
    local np=$1 tag=${2:-}
    local r="$np$tag"
    rm -rf "$d/c-$r" "$d/emu-$r" "$d/ck-c-$r" "$d/ck-emu-$r"
    "${MPIRUN[@]}" -np "$np" "$d/c/custom_mpi" "${RUNOPT[@]}" --output "$d/c-$r" \
        --set "checkpoint.dir=$d/ck-c-$r" --set checkpoint.at_end=true
    "${MPIRUN[@]}" -np "$np" "$d/emu" "${RUNOPT[@]}" --output "$d/emu-$r" \
        --set "checkpoint.dir=$d/ck-emu-$r" --set checkpoint.at_end=true
    grep -q '"backend": "cuda"' "$d/emu-$r/run.json"
    echo "== $np rank(s)$tag"
    same "$d/c-$r" "$d/emu-$r" "C --mpi vs CUDA --mpi, $np rank(s)"
    same "$d/one" "$d/emu-$r" "one C process vs CUDA --mpi, $np rank(s)"
    same_pieces "$d/ck-c-$r" "$d/ck-emu-$r" "$np"
}
run 1
run 2
run 3

# restored RANKS: both MPI simulators run 20 ms, write a checkpoint and are restored to 40 ms:
# the same restored runs; the emulated one, its first half without Fin's at_end, is the
# uninterrupted run's steps 21 to 40
restored() {
    local np=$1 s bin
    for s in c emu; do
        bin="$d/emu"
        [ "$s" = c ] && bin="$d/c/custom_mpi"
        rm -rf "$d/$s-h$np" "$d/$s-r$np" "$d/ck2-$s-$np"
        "${MPIRUN[@]}" -np "$np" "$bin" "${RUNOPT[@]}" --time 20 --output "$d/$s-h$np" \
            --set "checkpoint.dir=$d/ck2-$s-$np" --set checkpoint.at_end=true
        "${MPIRUN[@]}" -np "$np" "$bin" "${RUNOPT[@]}" --output "$d/$s-r$np" --restore "$d/ck2-$s-$np"
    done
    same "$d/c-r$np" "$d/emu-r$np" "restored, C --mpi vs CUDA --mpi, $np rank(s)"
    rm -rf "$d/emu-h$np" "$d/emu-r$np" "$d/ck2-emu-$np"
    "${MPIRUN[@]}" -np "$np" "$d/emu" "${RUNOPT[@]}" --time 20 --output "$d/emu-h$np" \
        --set "checkpoint.dir=$d/ck2-emu-$np" --set checkpoint.at_end=true \
        --set custom_updates.Fin.at_end=false
    "${MPIRUN[@]}" -np "$np" "$d/emu" "${RUNOPT[@]}" --output "$d/emu-r$np" --restore "$d/ck2-emu-$np"
    $PY - "$d/emu-$np" "$d/emu-r$np" <<'PY' || { echo "FAIL: restored CUDA --mpi, $np rank(s): not the uninterrupted run"; exit 1; }
import sys
import numpy as np
for f in ["spikes_Out", "spikes_Src", "Out_V", "Out_pi", "Out_x", "Out_U", "Tick_n"]:
    a, b = (np.load(f"{d}/{f}.npy") for d in sys.argv[1:3])
    a = a[a["t"] > 20]
    assert len(b) > 0 and a.tobytes() == b.tobytes(), f"{f}: {len(a)} vs {len(b)} rows"
PY
    echo "ok   $np rank(s): restored at 20 ms = the C restored run = the uninterrupted run"
}
restored 1
restored 2

# the updates did act: pi is a distribution over Out (sums to 1 every step), x moved, both
# populations spiked
$PY - "$d/emu-3" <<'PY'
import json, sys
import numpy as np
d = sys.argv[1]
pi = np.load(d + "/Out_pi.npy")["v"]
assert pi.shape == (40, 23) and np.allclose(pi[1:].sum(axis=1), 1.0), pi.sum(axis=1)[:5]
assert len(set(np.round(pi[-1], 6))) > 5, pi[-1]
x = np.load(d + "/Out_x.npy")["v"]
assert (x[-1] > 30).all(), x[-1]
n = np.load(d + "/Tick_n.npy")["v"]
assert (n[-1] >= 10).all(), n[-1]
pops = {p["name"]: p["spikes"] for p in json.load(open(d + "/run.json"))["populations"]}
assert pops["Src"] > 20 and pops["Out"] > 20, pops
print(f"ok   pi sums to 1 over the ranks' neurons, x and n advanced, spikes {pops}")
PY

# fault WHAT SED-EXPRESSION: the emulated simulator with the fault must differ on 3 ranks
fault() {
    local what=$1 expr=$2
    cp "$d/gen/emu.cc" "$d/gen/emu.good"
    sed -i "$expr" "$d/gen/emu.cc"
    if cmp -s "$d/gen/emu.cc" "$d/gen/emu.good"; then
        echo "FAIL: the fault ($what) is not in the code"; exit 1
    fi
    link_emu
    if (run 3 -fault) >"$d/fault.log" 2>&1; then
        cat "$d/fault.log"; echo "FAIL: $what went unnoticed"; exit 1
    fi
    echo "ok   $what is caught ($(grep -m1 -o 'FAIL: [^:]*: [A-Za-z_]* differs\|rank[0-9]/[a-zA-Z_.0-9]* differs\|spike files differ' "$d/fault.log" || echo differs))"
    mv "$d/gen/emu.good" "$d/gen/emu.cc"
}
fault "a maximum over the rank's neurons alone" \
    's/(scalar)snn_cupd_max(run, snn_m)/(scalar)snn_m/'
fault "the synapse update's draws keyed by the rank's own target index" \
    's/snn_rng_init_synk(&snn_rng_st, snn_cukey, 0u, snn_pre, SNN_LO_Out + snn_post/snn_rng_init_synk(\&snn_rng_st, snn_cukey, 0u, snn_pre, snn_post/'
fault "a sum over the rank's neurons alone" \
    's/(scalar)snn_cupd_sum(run, snn_t, snn_lo, snn_nl, SNN_N_Out)/(scalar)[\&] { double s = 0.0; for (uint32_t k = 0; k < snn_nl; k++) s += snn_t[k]; return s; }()/'
link_emu

NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
    # shellcheck disable=SC2086
    "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -DSNN_MPI=1 -Werror all-warnings \
        -I"$RT/include/snncc" -c "$d/gen/custom_mpi.cu" -o "$d/nvcc.o" ||
        { echo "FAIL: nvcc"; exit 1; }
    echo "ok   nvcc -arch=sm_90 compiles the custom updates with --mpi"
else
    echo "SKIP: nvcc not found ($NVCC): the sm_90 compile is not checked"
fi
