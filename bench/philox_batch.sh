#!/usr/bin/env bash
# bench/philox_batch.sh - the runtime's SIMD Philox blocks, ns per block at each level the
# machine has (bench/micro/philox_batch.c against $BUILD/lib/libsnnrt.a).  REPS rounds
# (default 3), so that the noise shows.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD/bench"
${CC:-cc} -O2 -o "$BUILD/bench/philox_batch" bench/micro/philox_batch.c "$BUILD/lib/libsnnrt.a" -lm
for r in $(seq 1 "${REPS:-3}"); do
    "$BUILD/bench/philox_batch"
done
