# The CUDA runtime (libsnnrt_cuda.a's source, installed with the headers as rt_cuda.cu)
# for the CPU emulation of a generated .cu: its launches rewritten as the model's are,
# compiled by g++ once per set of flags.  Needs WORK and RT (the installed tree).
# emu_runtime "EMU_FLAGS" -> prints the path of the object to link; emu_build below.
#
# The emulation's device halves are compiled with EMU_OPT (-O0): an emulated run is short,
# and -O1 cost more in g++ than it saved in running (measured on the cuda_* tests).
# emu_quick: the rest of the calling test's builds (the host half, the C back end's
# reference simulators built by snncc) unoptimised too (-O0 appended to SNNCC_CFLAGS, the
# last -O wins): they run for milliseconds, and snncc's -O3 -march=native build took most
# of a test's CPU time.  Bitwise results do not depend on the optimisation level
# (-ffp-contract=off); the C back end's -O3 builds are tested by the other e2e tests.
EMU_OPT=${EMU_OPT:--O0}
# EMU_NVCC_OPT: nvcc's -O for the tests' own "compiles for sm_90 without warnings" checks.
# nvcc passes -O to the host compiler only (cicc and ptxas get the same command lines), so
# the device code is compiled as in a GPU build; the host half's -O3 costs a third of each
# nvcc run.  snncc's default nvcc flags (-O3): tests/e2e/cuda_compile.sh.
EMU_NVCC_OPT=${EMU_NVCC_OPT:--O0}
emu_quick() {
    export SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -O0"
}
emu_runtime() {
    local o
    o="$WORK/emu_rt_$(printf '%s' "$1" | cksum | cut -d' ' -f1).o"
    if [ ! -f "$o" ]; then
        sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
            "$RT/include/snncc/rt_cuda.cu" >"$o.cc"
        # shellcheck disable=SC2086
        g++ -std=c++17 $EMU_OPT $1 -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
            -I"$RT/include/snncc" -c "$o.cc" -o "$o.tmp" && mv "$o.tmp" "$o"
    fi
    echo "$o"
}

# emu_obj SRC OBJ COMPILER ARGS...: OBJ, "COMPILER ARGS... -c SRC", or a copy of the object
# this test already compiled from the same source text with the same command (a fault
# injected into one half leaves the other half's object as it was; a model built twice with
# different run-time options only is compiled once)
emu_obj() {
    local src=$1 obj=$2 k
    shift 2
    k="$WORK/emu_objs/$({ printf '%s\n' "$*"; cat "$src"; } | cksum | tr ' ' _).o"
    if [ ! -f "$k" ]; then
        mkdir -p "$WORK/emu_objs"
        "$@" -c "$src" -o "$k.tmp" && mv "$k.tmp" "$k" || return 1
    fi
    cp "$k" "$obj"
}

# emu_device SRC OBJ: the device half (the .cu rewritten as emu.cc) compiled with EMU_OPT and
# EMU_FLAGS.  From the third with the same flags on, against a precompiled header of what
# it includes first (the emulation's cuda_runtime.h, snn_cuda.h, the C headers: a third of
# each compile; making it costs three compiles' worth of header), made once in WORK: the
# generated code's first #include <cuda_runtime.h> finds it (g++ falls back to the plain
# headers where it cannot use it).
emu_device() {
    local p n=0 pch=()
    p="$WORK/emu_pch_$(printf '%s' "$EMU_OPT ${EMU_FLAGS:-}" | cksum | cut -d' ' -f1)"
    mkdir -p "$p"
    [ ! -f "$p/uses" ] || n=$(cat "$p/uses")
    echo $((n + 1)) >"$p/uses"
    if [ "$n" -ge 2 ] && [ ! -f "$p/cuda_runtime.h.gch" ]; then
        printf '%s\n' "#ifndef SNN_EMU_PCH_H" "#define SNN_EMU_PCH_H" \
            "#include \"$PWD/tests/cuda/emu/cuda_runtime.h\"" "#include <stdint.h>" \
            "#include <stdio.h>" "#include <stdlib.h>" "#include <string.h>" "#include <math.h>" \
            "#include \"snn_cuda.h\"" "#endif" >"$p/cuda_runtime.h"
        # shellcheck disable=SC2086
        g++ -std=c++17 $EMU_OPT ${EMU_FLAGS:-} -DSNN_BLOCK=32 -Wno-unknown-pragmas -I"$p" \
            -Itests/cuda/emu -I"$RT/include/snncc" -x c++-header "$p/cuda_runtime.h" \
            -o "$p/cuda_runtime.h.gch.tmp" && mv "$p/cuda_runtime.h.gch.tmp" "$p/cuda_runtime.h.gch"
    fi
    [ ! -f "$p/cuda_runtime.h.gch" ] || pch=(-I"$p")
    # shellcheck disable=SC2086
    emu_obj "$1" "$2" g++ -std=c++17 $EMU_OPT ${EMU_FLAGS:-} -DSNN_BLOCK=32 -Wno-unknown-pragmas \
        "${pch[@]}" -Itests/cuda/emu -I"$RT/include/snncc"
}

# emu_build MODEL DIR SNNCC-OPTIONS...: DIR/emu, the emulated CUDA simulator of MODEL (its
# network{ name = "..." } on one line); EMU_FLAGS: extra definitions for the device half;
# FAULT: a sed expression applied to the device half (a fault injected), HOST_FAULT: one
# applied to the host half; SNNCC_CFLAGS: the
# sanitizers under make asan.  Needs SNNCC, WORK and RT.
emu_build() {
    local f=$1 d=$2 n
    n=$(sed -n 's/^network *{ *name *= *"\([a-z_]*\)".*/\1/p' "$f")
    shift 2
    mkdir -p "$d"
    "$SNNCC" -q -S -b cuda "$@" "$f" -o "$d/gen"
    sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$n.cu" >"$d/gen/emu.cc"
    [ -z "${FAULT:-}" ] || sed -i "$FAULT" "$d/gen/emu.cc"
    [ -z "${HOST_FAULT:-}" ] || sed -i "$HOST_FAULT" "$d/gen/$n.c"
    emu_device "$d/gen/emu.cc" "$d/emu.o"
    # shellcheck disable=SC2086
    emu_obj "$d/gen/$n.c" "$d/host.o" cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
        "$RT/lib/libsnnrt.a" -lyaml -lm
}

# emu_build_lanes_mpi MODEL DIR SNNCC-OPTIONS...: DIR/emu, the emulated CUDA simulator of a
# batched MODEL built with --mpi (lanes over ranks: SNN_MPI_LANES, host half and link through
# mpicc against libsnnrt_mpi.a); FAULT and HOST_FAULT as emu_build's.
emu_build_lanes_mpi() {
    local f=$1 d=$2 n
    n=$(sed -n 's/^network *{ *name *= *"\([a-z_]*\)".*/\1/p' "$f")
    shift 2
    mkdir -p "$d"
    "$SNNCC" -q -S -b cuda --mpi "$@" "$f" -o "$d/gen"
    sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$n.cu" >"$d/gen/emu.cc"
    [ -z "${FAULT:-}" ] || sed -i "$FAULT" "$d/gen/emu.cc"
    [ -z "${HOST_FAULT:-}" ] || sed -i "$HOST_FAULT" "$d/gen/$n.c"
    EMU_FLAGS=-DSNN_MPI_LANES=1 emu_device "$d/gen/emu.cc" "$d/emu.o"
    # shellcheck disable=SC2086
    emu_obj "$d/gen/$n.c" "$d/host.o" mpicc -O2 -fopenmp -ffp-contract=off -DSNN_MPI_LANES=1 \
        ${SNNCC_CFLAGS:-} -I"$RT/include/snncc"
    # shellcheck disable=SC2086
    mpicxx -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
        "$RT/lib/libsnnrt_mpi.a" -lyaml -lm
}

# emu_same_lanes C_OUT EMU_OUT LANES FILES: a batched run of the C simulator and of the
# emulated CUDA one: every lane's FILES byte-identical (lane b >= 1 in lane<b>/), no lane
# beyond LANES, run.json's lanes and lane_offset, each lane's spike counts and final
# checksums, each population's spikes equal.  Returns 1 (with the reason) if not.
emu_same_lanes() {
    local c=$1 e=$2 n=$3 files=$4 b sub f
    for ((b = 0; b < n; b++)); do
        sub=""
        [ "$b" -gt 0 ] && sub="/lane$b"
        for f in $files; do
            cmp -s "$c$sub/$f" "$e$sub/$f" || { echo "lane $b: $f differs ($c vs $e)"; return 1; }
        done
    done
    [ ! -e "$e/lane$n" ] || { echo "$e: a lane $n beyond $n lanes"; return 1; }
    grep -q '"backend": "cuda"' "$e/run.json" || { echo "$e: not the cuda back end's"; return 1; }
    $PY - "$c/run.json" "$e/run.json" "$n" <<'PY'
import json, sys
c, e = (json.load(open(p)) for p in sys.argv[1:3])
n = int(sys.argv[3])
lc, le = c["run"]["batch"], e["run"]["batch"]
assert le["lanes"] == n and le["lane_offset"] == lc["lane_offset"], (lc, le)
sc = [l["spikes"] for l in lc["per_lane"]]
se = [l["spikes"] for l in le["per_lane"]]
assert sc == se and len(se) == n, (sc, se)
fc = [l.get("final_checksum") for l in lc["per_lane"]]
fe = [l.get("final_checksum") for l in le["per_lane"]]
assert fc == fe, ("final checksums", fc, fe)
assert [p["spikes"] for p in c["populations"]] == [p["spikes"] for p in e["populations"]]
PY
}

# The training loop's evaluation and restore, run in the current directory by the tests of
# training on the CUDA back end (cuda_train_lanes.sh, cuda_train_batch_syn.sh): the model's
# data set In, its test set "testset", a readout Out (y, l) and the run config t.yaml.
# emu_train_evaluate C_SIM EMU W: evaluation only with the saved variables W loaded into
# every lane, by the C back end's simulator (output ce) and the emulated one (ee): the same
# metrics.  Returns 1 (with the reason) if not.
emu_train_evaluate() {
    local ev=(--quiet --set datasets.In.example_steps=12 --set train.evaluate_only=true
        --set train.test.In=testset --set "train.load=$3" --set train.metrics.output=Out.y
        --set train.metrics.loss=Out.l)
    "$1" --output ce "${ev[@]}"
    "$2" --output ee "${ev[@]}"
    cmp <(cut -d, -f1-5,7 ce/metrics.csv) <(cut -d, -f1-5,7 ee/metrics.csv) ||
        { echo "FAIL evaluate_only differs"; return 1; }
    echo "ok   evaluate_only with the saved weights loaded: the same metrics"
}
# emu_train_restore EMU C_OUT LINES CHECKPOINT-OPTIONS...: EMU trains with t.yaml and writes
# checkpoints (into ck, as CHECKPOINT-OPTIONS say; output ek), then trains again from the last
# (output ekr): its saved variables are C_OUT/w's, the last LINES lines of its metrics
# C_OUT's (LINES +1: every line).  Returns 1 (with the reason) if not.
emu_train_restore() {
    local emu=$1 c=$2 lines=$3 f
    shift 3
    "$emu" --config t.yaml --output ek --quiet --set train.save.dir=ek/w --set checkpoint.dir=ck "$@"
    "$emu" --config t.yaml --output ekr --quiet --set train.save.dir=ekr/w --restore ck
    for f in $(ls "$c/w"); do
        cmp "$c/w/$f" "ekr/w/$f" || { echo "FAIL restored: $f differs"; return 1; }
    done
    cmp <(cut -d, -f1-5,7 "$c/metrics.csv" | tail -n "$lines") <(cut -d, -f1-5,7 ekr/metrics.csv | tail -n "$lines") ||
        { echo "FAIL restored: the metrics differ"; return 1; }
}
