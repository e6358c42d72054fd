#!/usr/bin/env bash
# The CUDA back end with MPI (snncc --backend cuda --mpi: one rank per GPU), no GPU needed:
#   - every shipped static model (and tests/cuda/sources.lua) generates, compiles with
#     nvcc and links with mpicc against libsnnrt_mpi.a (skipped with a SKIP line without
#     nvcc; plastic hpc_benchmark is refused, as with the C back end);
#   - the generated device code runs on the CPU (tests/cuda/emu, as cuda_emulated.sh),
#     host half and link through mpicc with libsnnrt_mpi.a, under mpirun with 1, 2 and 4
#     ranks (both exchange modes), and is compared with the C back end's MPI simulator at the same rank count:
#     connectivity checksums identical for every model run; spikes identical where the
#     CUDA back end is exact (lif_single, sources.lua, with both propagation strategies;
#     tests/cuda/formats.lua: dense matrices and procedural rows of a rank's targets);
#     rates for Brunel (atomic float sums), in both exchange modes;
#   - a run config exchange_interval below the minimum delay is refused (C back end only);
#   - run.json of a 2-rank emulated run has the ranks and per-rank timers, cuda.json is
#     written once (rank 0).
set -euo pipefail
set -f
if ! command -v mpirun >/dev/null || [ ! -f "$(dirname "$SNNCC")/../lib/libsnnrt_mpi.a" ]; then
    echo "FAIL: Open MPI (mpirun, mpicc) is needed for this test (ci/install-deps installs it)"
    exit 1
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
MPIRUN=(mpirun --oversubscribe)
RT="$PWD/$BUILD"
cc -O2 -o "$WORK/snn-compare" tools/snn_compare.c -lm
CMP="$WORK/snn-compare"
mkdir -p "$WORK"

# 1. refusals and compile + link with nvcc and mpicc
if "$SNNCC" -q -S -b cuda --mpi -D plastic=1 models/hpc_benchmark.lua -o "$WORK/plastic" 2>"$WORK/plastic.err"; then
    echo "FAIL: --backend cuda --mpi accepted a plastic model"; exit 1
fi
grep -q "supports static synapses only" "$WORK/plastic.err"
echo "ok   plastic model refused with --mpi"
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
        {
            # shellcheck disable=SC2086
            "${MPIRUN[@]}" -np "$np" "$d/c/$base" $ropts --set exchange=$x --quiet --output "$d/c-$np-$x"
            # shellcheck disable=SC2086
            "${MPIRUN[@]}" -np "$np" "$d/emu" $ropts --set exchange=$x --quiet --output "$d/emu-$np-$x"
            grep -q '"backend": "cuda"' "$d/emu-$np-$x/run.json"
            echo "== $name, $np ranks, $x ($how)"
            # shellcheck disable=SC2086
            "$CMP" $how "$d/c-$np-$x" "$d/emu-$np-$x"
        }
    done
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
