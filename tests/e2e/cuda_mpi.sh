#!/usr/bin/env bash
# The CUDA back end with MPI (snncc --backend cuda --mpi: one rank per GPU), no GPU needed:
#   - every shipped static model (and tests/cuda/sources.lua) generates, compiles with
#     nvcc and links with mpicc against libsnnrt_mpi.a (skipped with a SKIP line without
#     nvcc; weight update models: tests/e2e/cuda_mpi_plastic.sh);
#   - the generated device code runs on the CPU (tests/cuda/emu, as cuda_emulated.sh),
#     host half and link through mpicc with libsnnrt_mpi.a, under mpirun with 1, 2 and 4
#     ranks (both exchange modes), and is compared with the C back end's MPI simulator at the same rank count:
#     connectivity checksums identical for every model run; spikes identical where the
#     CUDA back end is exact (lif_single, sources.lua, with both propagation strategies;
#     tests/cuda/formats.lua: dense matrices and procedural rows of a rank's targets);
#     rates for Brunel (atomic float sums), in both exchange modes;
#   - connectivity updates (tests/cuda/rewire_mpi.lua, 4 modes; 2 of them with per-synapse
#     delays on 2 ranks) on 1 and 2 ranks: spikes,
#     every rank's rewired rows and weights and the counters (checkpoint pieces at the end)
#     and run.json's counts identical to the C MPI simulator's, also after a restore; a
#     rank applying a wrong share (a fault injected) is caught; nvcc compiles the code;
#   - a run config exchange_interval below the minimum delay is refused (C back end only);
#   - run.json of a 2-rank emulated run has the ranks and per-rank timers, cuda.json is
#     written once (rank 0).
set -euo pipefail
set -f
source tests/lib/mpi.sh # the Open MPI check, MPIRUN, ASAN_OPTIONS
RT="$PWD/$BUILD"
cc -O2 -o "$WORK/snn-compare" tools/snn_compare.c -lm
CMP="$WORK/snn-compare"
mkdir -p "$WORK"

# 1. compile + link with nvcc and mpicc (plastic models: tests/e2e/cuda_mpi_plastic.sh)
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
    build() { # name model options...
        local name=$1 model=$2
        shift 2
        "$SNNCC" -q --keep -b cuda --mpi "$@" "$model" -o "$WORK/nv_$name" || {
            echo "FAIL: $name does not build with --backend cuda --mpi"; return 1; }
        if ! grep -q -- "-DSNN_MPI=1" "$WORK/nv_$name/Makefile" ||
            ! grep -q "libsnnrt_mpi.a" "$WORK/nv_$name/Makefile"; then
            echo "FAIL: $name: the Makefile does not build for MPI"; return 1
        fi
        nm "$WORK/nv_$name/$(basename "$model" .lua)" | grep "MPI_Comm_split_type" >/dev/null || {
            echo "FAIL: $name is not linked with MPI"; return 1; }
        echo "ok   compiled and linked: $name"
    }
    both() { # two builds at a time; either failing fails the test
        local a b
        # shellcheck disable=SC2086 # "name model options"
        build $1 & a=$!
        # shellcheck disable=SC2086
        build $2 & b=$!
        wait $a && wait $b
    }
    both "lif_single models/lif_single.lua" "brunel models/brunel.lua"
    both "coba models/coba.lua" "sources tests/cuda/sources.lua"
    both "microcircuit models/microcircuit.lua -D N_scale=0.1 -D K_scale=0.1" \
         "hpc models/hpc_benchmark.lua -D scale=0.2"
    build formats tests/cuda/formats.lua
else
    echo "SKIP: nvcc not found ($NVCC): the nvcc + mpicc builds are not checked"
fi

# 2. emulated runs under mpirun, compared with the C back end's MPI simulator
source tests/lib/cuda_emu.sh # emu_runtime: the CUDA runtime library's source for the emulation
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)

emulate() { # name model "snncc options" "run options" comparison ranks:exchange...
    local name=$1 model=$2 sopts=$3 ropts=$4 how=$5
    shift 5
    local d="$WORK/$name"
    # shellcheck disable=SC2086
    "$SNNCC" -q -S -b cuda --mpi $sopts "$model" -o "$d/gen"
    local base
    base=$(basename "$(find "$d/gen" -name "*.cu" | head -n 1)" .cu)
    sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$base.cu" >"$d/gen/emu.cc"
    EMU_FLAGS=-DSNN_MPI=1 emu_device "$d/gen/emu.cc" "$d/emu.o"
    local rt
    rt=$(emu_runtime "")
    # shellcheck disable=SC2086
    emu_obj "$d/gen/$base.c" "$d/host.o" mpicc -O2 -fopenmp -ffp-contract=off -DSNN_MPI=1 \
        ${SNNCC_CFLAGS:-} -I"$RT/include/snncc"
    # shellcheck disable=SC2086
    mpicxx -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$rt" \
        "$RT/lib/libsnnrt_mpi.a" -lyaml -lm
    # shellcheck disable=SC2086
    "$SNNCC" -q --mpi $sopts "$model" -o "$d/c"
    local rx np x
    for rx in "$@"; do
        np=${rx%%:*}
        x=${rx#*:}
        local ckc=() cke=() # RW: checkpoints at the end, to compare the rewired rows
        if [ -n "${RW:-}" ]; then
            ckc=(--set "checkpoint.dir=$d/ck-c-$np-$x" --set checkpoint.at_end=true)
            cke=(--set "checkpoint.dir=$d/ck-emu-$np-$x" --set checkpoint.at_end=true)
        fi
        {
            # shellcheck disable=SC2086
            "${MPIRUN[@]}" -np "$np" "$d/c/$base" $ropts --set exchange=$x "${ckc[@]}" --quiet --output "$d/c-$np-$x"
            # shellcheck disable=SC2086
            "${MPIRUN[@]}" -np "$np" "$d/emu" $ropts --set exchange=$x "${cke[@]}" --quiet --output "$d/emu-$np-$x"
            grep -q '"backend": "cuda"' "$d/emu-$np-$x/run.json"
            echo "== $name, $np ranks, $x ($how)"
            # shellcheck disable=SC2086
            "$CMP" $how "$d/c-$np-$x" "$d/emu-$np-$x"
            [ -z "${RW:-}" ] || same_rw "$d" "$np-$x" "$np"
        }
    done
}

# same_rw DIR RANKS-EXCHANGE RANKS: a rewired run (RW=1 above) of the emulated CUDA simulator
# has every rank's rows and weights (checkpoint piece rank<r>/snn_syn_SE.rows), the
# update's counters (rank<r>/snn_rw_rw) and run.json's connectivity_updates of the C one
same_rw() {
    $PY - "$1/ck-c-$2" "$1/ck-emu-$2" "$3" "$1/c-$2/run.json" "$1/emu-$2/run.json" <<'PY'
import json, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"]}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"]}
assert a["step"] == b["step"] and a["step"] > 0, (a["step"], b["step"])
for r in range(int(sys.argv[3])):
    for k in (f"rank{r}/snn_syn_SE.rows", f"rank{r}/snn_rw_rw", f"rank{r}/snn_syn_SE.weight"):
        assert k in fa and fa.get(k) == fb.get(k), f"{k} differs: {fa.get(k)} vs {fb.get(k)}"
    k = f"rank{r}/snn_syn_SE.delay" # per-synapse delays (hd=1)
    assert fa.get(k) == fb.get(k), f"{k} differs: {fa.get(k)} vs {fb.get(k)}"
ca, cb = ({k: v for k, v in json.load(open(p))["connectivity_updates"][0].items()
           if not k.endswith("_s")} for p in sys.argv[4:6])
assert ca == cb, f"connectivity_updates differ: {ca} vs {cb}"
assert ca["removed"] > 0 and ca["added"] > 0 and ca["failed"] > 0, ca
print(f"ok   rows, weights and counts of every rank identical: {ca}")
PY
}

emulate lif_single models/lif_single.lua "" "--time 200" exact 1:collective 2:p2p
emulate sources_pre tests/cuda/sources.lua "--cuda-span *=pre" "--time 120" exact \
    2:collective 4:p2p
emulate sources_post tests/cuda/sources.lua "--cuda-span *=post" "--time 120" exact 2:p2p
emulate formats tests/cuda/formats.lua "" "--time 30" exact 2:p2p 3:collective
# rank 0's rows of its targets, regenerated on the device, are its host's (11 procedural
# projections; cuda.json is rank 0's)
for r in 2-p2p 3-collective; do
    [ "$(grep -o '"device_rows": "identical"' "$WORK/formats/emu-$r/cuda.json" | wc -l)" -eq 11 ] ||
        { echo "FAIL: formats, $r: procedural rows differ from the host's"; exit 1; }
done
echo "ok   procedural rows of rank 0's targets: the host's"
# sparse projections built on each rank's device, its own targets only (every rule)
emulate sparse tests/cuda/sparse.lua "" "--time 30" exact 2:p2p 3:collective
for r in 2-p2p 3-collective; do
    [ "$(grep -o '"built": "device"' "$WORK/sparse/emu-$r/cuda.json" | wc -l)" -eq 15 ] ||
        { echo "FAIL: sparse, $r: not every projection built on the device"; exit 1; }
done
echo "ok   sparse projections of rank 0's targets built on the device"
# connectivity updates (static synapses), 1 and 2 ranks: remove/add with add.count and
# add.target (mode 0), add.total with add.redraw (1), candidates with a count reading
# row_length (2), candidates.total with full rows (3)
for mode in 0 1 2 3; do
    RW=1 emulate "rw$mode" tests/cuda/rewire_mpi.lua "-D mode=$mode" "--time 100" exact \
        1:collective 2:p2p
done
# per-synapse delays moved and drawn on each rank's device: add.redraw (mode 1) and
# candidates (mode 2), 2 ranks
for mode in 1 2; do
    RW=1 emulate "rwd$mode" tests/cuda/rewire_mpi.lua "-D mode=$mode -D hd=1" "--time 100" \
        exact 2:p2p
done
# restored on 2 ranks (mode 1): 50 ms with a checkpoint, then on to 100 ms; the counters
# go back to the devices (the sums on rank 0) and the end is the uninterrupted run's
d="$WORK/rw1"
"${MPIRUN[@]}" -np 2 "$d/emu" --time 50 --set exchange=p2p --quiet --output "$d/emu-half" \
    --set "checkpoint.dir=$d/ck-half" --set checkpoint.at_end=true
"${MPIRUN[@]}" -np 2 "$d/emu" --time 100 --set exchange=p2p --quiet --output "$d/emu-rest" \
    --restore "$d/ck-half" --set "checkpoint.dir=$d/ck-emu-rest" --set checkpoint.at_end=true
ln -sfn "$d/ck-c-2-p2p" "$d/ck-c-rest" && ln -sfn "$d/c-2-p2p" "$d/c-rest"
same_rw "$d" rest 2 || { echo "FAIL: rw1 restored on 2 ranks differs"; exit 1; }
# a wrong share: each rank skips insertions onto its first target, and candidates there
FAULT='s/snn_gpost < SNN_LO_E ||/snn_gpost <= SNN_LO_E ||/'
d="$WORK/rw0"
grep -q "snn_gpost < SNN_LO_E ||" "$d/gen/emu.cc" || { echo "FAIL: the fault's line is not in rw0"; exit 1; }
sed -i "$FAULT" "$d/gen/emu.cc"
g++ -std=c++17 -O1 -DSNN_BLOCK=32 -DSNN_MPI=1 -Wno-unknown-pragmas -Itests/cuda/emu \
    -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
# shellcheck disable=SC2086
mpicxx -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
    "$RT/lib/libsnnrt_mpi.a" -lyaml -lm
"${MPIRUN[@]}" -np 2 "$d/emu" --time 100 --set exchange=p2p --quiet --output "$d/emu-fault" \
    --set "checkpoint.dir=$d/ck-emu-fault" --set checkpoint.at_end=true
mv "$d/ck-emu-2-p2p" "$d/ck-emu-good" && mv "$d/ck-emu-fault" "$d/ck-emu-2-p2p"
mv "$d/emu-2-p2p" "$d/emu-good" && mv "$d/emu-fault" "$d/emu-2-p2p"
if same_rw "$d" 2-p2p 2 >"$d/fault.log" 2>&1; then
    echo "FAIL: a rank applying a wrong share of the additions went unnoticed"; exit 1
fi
echo "ok   a wrong share is caught ($(grep -m1 -o 'rank[0-9]/snn_[a-zA-Z_.]* differs\|connectivity_updates differ' "$d/fault.log"))"
if [ -x "$NVCC" ]; then # the generated device code for sm_90: redraw pairs, both exchanges
    for n in rw1 rw2; do
        "$NVCC" -O3 -std=c++17 --fmad=false -arch=sm_90 -DSNN_MPI=1 -I"$RT/include/snncc" \
            -c "$WORK/$n/gen/rewire_mpi.cu" -o "$WORK/$n/nvcc.o" || { echo "FAIL: nvcc: $n"; exit 1; }
    done
    echo "ok   nvcc -arch=sm_90 compiles the connectivity updates with --mpi"
fi

emulate brunel_post models/brunel.lua "-D scale=0.05 --cuda-span *=post" "--time 80" "rates 0.2" \
    2:collective
emulate brunel_pre models/brunel.lua "-D scale=0.05 --cuda-span *=pre" "--time 80" "rates 0.2" \
    2:p2p

# 3. run.json and cuda.json of a 2-rank emulated run
R="$WORK/brunel_post/emu-2-collective"
$PY - "$R/run.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["parallel"]["ranks"] == 2, r["parallel"]
for k, v in r["rank_timers"].items():
    if isinstance(v, dict) and "min" in v:
        assert v["min"] <= v["median"] <= v["max"], (k, v)
print("ok   run.json: 2 ranks, per-rank timers")
EOF
grep -q '"device": "CPU emulation' "$R/cuda.json"
[ ! -e "$R/.rank1" ] || { echo "FAIL: rank directories left behind"; exit 1; }
echo "ok   cuda.json written (rank 0)"

# 4. the overlapped exchange is the C back end's: a shorter exchange_interval is refused
set +e
"${MPIRUN[@]}" -np 2 "$WORK/brunel_post/emu" --time 10 --quiet --output "$WORK/ovl" \
    --set exchange_interval=5 >"$WORK/ovl.out" 2>&1
rc=$?
set -e
n=$(grep -c "error: --set 'exchange_interval=5': 'exchange_interval' 5: the CUDA back end exchanges spikes once per minimum delay (15 steps of this model)" "$WORK/ovl.out" || true)
[ $rc -ne 0 ] && [ "$n" -eq 1 ] || { cat "$WORK/ovl.out"; echo "FAIL: exchange_interval on the CUDA back end (exit $rc, $n messages)"; exit 1; }
echo "ok   exchange_interval below the minimum delay refused on the CUDA back end, once"
