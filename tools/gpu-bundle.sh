#!/usr/bin/env bash
# tools/gpu-bundle.sh OUT: build, on a machine without a GPU (snncc's build machine: Lua,
# a C compiler and nvcc), a self-contained directory for a GPU machine that has only the
# CUDA driver (no Lua, MPI or compilers needed):
#   OUT/run.sh            the one entry script: the GPU suite, then the GPU timings
#   OUT/gpu-tests.sh      the GPU suite (tests/gpu/run.sh): CUDA against C, case by case
#   OUT/gpu-bench.sh      timings: microcircuit 10 s, Brunel 10 s, hpc_benchmark scales
#   OUT/sims/<case>/{c,cuda}   the suite's simulators (tests/gpu/cases.txt)
#   OUT/expected/<case>   the C simulators' results, computed here
#   OUT/bench/...         the benchmark simulators
#   OUT/bin/snn-compare   compares two runs (tools/snn_compare.c, static when possible)
#   OUT/lib               the shared libraries the simulators need beyond libc
# Host code is compiled for x86-64-v2 (not -march=native); device code for sm_90 with
# compute_90 PTX (Hopper and later).  Copy OUT over and run OUT/run.sh there; results go
# to OUT/results.  HPC_SCALES overrides the hpc_benchmark scales ("1 2 5 10 20 40 80 120
# 160"; the bench stops at the first that does not fit).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: tools/gpu-bundle.sh OUT}
HPC_SCALES=${HPC_SCALES:-"1 2 5 10 20 40 80 120 160"}
PORTABLE="-O3 -march=x86-64-v2 -fno-math-errno -fno-trapping-math -ffp-contract=off -fopenmp"
[ -x build/bin/snncc ] || make
SNNCC=$PWD/build/bin/snncc
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

echo "== the GPU suite's simulators (C and CUDA)"
tests/gpu/build.sh "$OUT" "$PORTABLE"
echo "== the C results the GPU runs are compared with"
tests/gpu/expect.sh "$OUT"

echo "== benchmark simulators"
build() { # dir backend model options...
    local d=$1 be=$2 model=$3
    shift 3
    mkdir -p "$d"
    "$SNNCC" -q -b "$be" --cflags "$PORTABLE" "$@" "$model" -o "$d"
    echo "built $d"
}
build "$OUT/bench/microcircuit/cuda" cuda models/microcircuit.lua
build "$OUT/bench/microcircuit/c" c models/microcircuit.lua
for s in $HPC_SCALES; do
    build "$OUT/bench/hpc_s$s/cuda" cuda models/hpc_benchmark.lua -D scale="$s"
done
build "$OUT/bench/hpc_s1/c" c models/hpc_benchmark.lua -D scale=1

echo "== scripts and libraries"
cp tests/gpu/run.sh "$OUT/gpu-tests.sh"
cp tools/gpu-bench.sh "$OUT/gpu-bench.sh"
mkdir -p "$OUT/lib"
find "$OUT/sims" "$OUT/bench" -type f -perm -u+x | while read -r b; do
    ldd "$b" | awk '/=> \// {print $3}'
done | sort -u | while read -r lib; do
    case "$(basename "$lib")" in
    libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | ld-linux*) ;;
    *) cp -L "$lib" "$OUT/lib/" ;;
    esac
done
cat >"$OUT/run.sh" <<'RUN'
#!/usr/bin/env bash
# The entry script: the GPU suite (CUDA against the C back end), then the GPU timings.
# Usage: ./run.sh [--with-c]   (--with-c: also rerun and time the C simulators here)
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$here/results"
{
    echo "== GPU suite"
    "$here/gpu-tests.sh" "$here" ${1:+--rerun-c}
    suite=$?
    echo "== GPU timings"
    "$here/gpu-bench.sh" "$here" ${1:+--with-c}
    echo "GPU suite exit status: $suite"
    exit $suite
} 2>&1 | tee "$here/results/log.txt"
exit "${PIPESTATUS[0]}"
RUN
chmod +x "$OUT/run.sh" "$OUT/gpu-tests.sh" "$OUT/gpu-bench.sh"
cat >"$OUT/README.txt" <<TXT
snncc CUDA bundle, made by tools/gpu-bundle.sh from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)
on $(uname -srm), glibc $(ldd --version | head -n 1 | awk '{print $NF}') (the GPU machine needs this glibc or newer).

Run ./run.sh on a machine with an NVIDIA GPU of compute capability 9.0 or newer and its
driver (CUDA 13 or newer).  It runs the GPU suite (each case's CUDA simulator compared
with the C back end's results in expected/), then the timings (gpu-bench.sh), and writes
everything to results/ (log.txt, per-case outputs, bench/summary.txt).
TXT
du -sh "$OUT" | awk '{print "bundle: " $2 " (" $1 ")"}'
