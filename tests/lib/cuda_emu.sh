# The CUDA runtime (libsnnrt_cuda.a's source, installed with the headers as rt_cuda.cu)
# for the CPU emulation of a generated .cu: its launches rewritten as the model's are,
# compiled by g++ once per set of flags.  Needs WORK and RT (the installed tree).
# emu_runtime "EMU_FLAGS" -> prints the path of the object to link.
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
