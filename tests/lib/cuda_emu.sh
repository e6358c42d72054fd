# The CUDA runtime (libsnnrt_cuda.a's source, installed with the headers as rt_cuda.cu)
# for the CPU emulation of a generated .cu: its launches rewritten as the model's are,
# compiled by g++ once per set of flags.  Needs WORK and RT (the installed tree).
# emu_runtime "EMU_FLAGS" -> prints the path of the object to link; emu_build below.
emu_runtime() {
    local o
    o="$WORK/emu_rt_$(printf '%s' "$1" | cksum | cut -d' ' -f1).o"
    if [ ! -f "$o" ]; then
        sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
            "$RT/include/snncc/rt_cuda.cu" >"$o.cc"
        # shellcheck disable=SC2086
        g++ -std=c++17 -O1 $1 -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
            -I"$RT/include/snncc" -c "$o.cc" -o "$o.tmp" && mv "$o.tmp" "$o"
    fi
    echo "$o"
}

# emu_build MODEL DIR SNNCC-OPTIONS...: DIR/emu, the emulated CUDA simulator of MODEL (its
# network{ name = "..." } on one line); EMU_FLAGS: extra definitions for the device half;
# FAULT: a sed expression applied to the device half (a fault injected); SNNCC_CFLAGS: the
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
    # shellcheck disable=SC2086
    g++ -std=c++17 -O1 ${EMU_FLAGS:-} -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
        -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
    # shellcheck disable=SC2086
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/$n.c" -o "$d/host.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
        "$RT/lib/libsnnrt.a" -lyaml -lm
}
