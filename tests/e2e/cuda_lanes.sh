#!/usr/bin/env bash
# Batches on the CUDA back end (docs/cuda.md "Batches"; their lanes against the C back
# end's: tests/e2e/cuda_batch.sh): a batched model is generated, and the groundwork of
# lanes as a grid dimension
# (docs/architecture.md "Batch lanes"): the CPU emulation runs every block of a 2-D grid
# (blockIdx.y = the lane), and the kernels leave the name snn_lane free for the batch
# lane of the shared lowering (their warp lane is snn_wlane).  No GPU and no nvcc needed.
set -euo pipefail
cat >"$WORK/b.lua" <<'LUA'
network { name = "bc", dt = 0.1, seed = 3, batch = 4 }
local E = population { "E", lif, 30 }
current_source { E, poisson_input { rate = 8000.0, weight = 300.0 } }
projection { E, E, conn = fixed_probability(0.2), weight = 10.0, delay = 0.5 }
record { E = "spikes" }
LUA
# a batched model is generated for CUDA (its lanes: tests/e2e/cuda_batch.sh): the shared
# lowering's draws read the lane, on the device the block's (blockIdx.y) (the constant-rate
# Poisson source's word: snn_rng_quad_word's last argument, random numbers v3)
"$SNNCC" -q -S -b cuda "$WORK/b.lua" -o "$WORK/bc"
grep -q '#define snn_lane (snn_dev::snn_lane0 + blockIdx.y)' "$WORK/bc/bc.cu"
grep -q 'snn_rng_quad_word(snn_r->seed, snn_cs_stream_E_poisson_input, SNN_LO_E + snn_i, snn_step, snn_lane)' "$WORK/bc/bc.cu"
# the C back end builds it (its lanes: tests/e2e/batch.sh)
"$SNNCC" -q -S "$WORK/b.lua" -o "$WORK/bc_c"
grep -qw snn_lane "$WORK/bc_c/bc.c"

# the same model unbatched, and models with every kind of kernel: no snn_lane in the .cu
sed 's/, batch = 4//' "$WORK/b.lua" >"$WORK/u.lua"
for f in "$WORK/u.lua" tests/cuda/features.lua tests/cuda/formats.lua tests/cuda/learn_cu.lua; do
    n=$(basename "$f" .lua)
    "$SNNCC" -q -S -b cuda "$f" -o "$WORK/gen_$n"
    if grep -nw snn_lane "$WORK/gen_$n"/*.cu; then
        echo "$f: the CUDA code uses snn_lane (the batch lane's name)"; exit 1
    fi
    grep -qw snn_wlane "$WORK/gen_$n"/*.cu
done

# the emulation runs every block of a 2-D grid, once, with its (x, y)
cat >"$WORK/grid.cc" <<'CC'
#include <cuda_runtime.h>
static unsigned seen[5][3][32];
static void k(void)
{
    seen[blockIdx.y][blockIdx.x][threadIdx.x] += 1u + blockIdx.y * 1000u + blockIdx.x * 10u;
    if (gridDim.x != 3 || gridDim.y != 5 || gridDim.z != 1 || blockIdx.z != 0 ||
        threadIdx.y != 0 || threadIdx.z != 0 || blockDim.x != 32 || blockDim.y != 1)
        abort();
}
int main(void)
{
    snn_emu_launch(dim3(3, 5), 32, 0, 0, [&] { k(); });
    for (unsigned y = 0; y < 5; y++)
        for (unsigned x = 0; x < 3; x++)
            for (unsigned t = 0; t < 32; t++)
                if (seen[y][x][t] != 1u + y * 1000u + x * 10u) {
                    fprintf(stderr, "block (%u, %u) thread %u: %u\n", x, y, t, seen[y][x][t]);
                    return 1;
                }
    puts("2-D grid: 15 blocks, each once");
    return 0;
}
CC
g++ -std=c++17 -O1 -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu -o "$WORK/grid" "$WORK/grid.cc"
"$WORK/grid"
