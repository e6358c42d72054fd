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
    # shellcheck disable=SC2086
    g++ -std=c++17 -O1 ${EMU_FLAGS:-} -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
        -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
    # shellcheck disable=SC2086
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/$n.c" -o "$d/host.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
        "$RT/lib/libsnnrt.a" -lyaml -lm
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
