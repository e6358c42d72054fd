#!/usr/bin/env bash
# The state table (compiler/state.c, snncc --state) is complete: for shipped models, tests
# and examples, on both back ends (the CUDA back end's host half declares the same state),
# every array or value the generated simulator declares at file scope has a table entry
# and every entry is declared (tests/lib/state_decls.py); the CUDA back end's device half
# (.cu) declares every device entry (host arrays' copies and device-only state: spike
# queues, recording blocks, counters) and nothing else.  And --state prints a header and
# one line per entry, with the CUDA mirror flag on the device entries.
set -euo pipefail
models=(models/brunel.lua models/coba.lua models/microcircuit.lua models/hpc_benchmark.lua
        tests/cuda/features.lua tests/cuda/sparse.lua tests/cuda/egp_rng.lua
        tests/cuda/sources.lua tests/cuda/runtime.lua tests/cuda/formats.lua
        docs/examples/izhikevich.lua docs/examples/nmda_input.lua docs/examples/topographic.lua
        docs/examples/initialiser.lua docs/examples/poisson_driven.lua)
for f in "${models[@]}"; do
    b=$(basename "$f" .lua)
    "$SNNCC" --state "$f" >"$WORK/$b.tsv"
    head -n 1 "$WORK/$b.tsv" | grep -q '^# name	type	shape	owner	kind	init	state	flags	what$'
    for be in c cuda; do
        "$SNNCC" -q -S -b "$be" -o "$WORK/$be-$b" "$f"
        $PY tests/lib/state_decls.py $([ "$be" = cuda ] && echo --cuda) "$WORK/$be-$b"/*.c "$WORK/$b.tsv"
    done
    $PY tests/lib/state_decls.py --cu "$WORK/cuda-$b"/*.cu "$WORK/$b.tsv"
done
# the device-only state: per population (declared from the table), model-wide
grep -q '^snn_rec_D	uint32_t	rec-block x SNN_N_D	population:D	recording-block	zeroed	rebuilt	cuda,template,device-only	' "$WORK/egp_rng.tsv"
grep -q '^snn_spk_D	uint32_t	slots x SNN_N_D	population:D	spike-queue	zeroed	stored	host,template,device-only	' "$WORK/egp_rng.tsv"
grep -q '^snn_dstep	uint64_t	value	model	device-counter	zeroed	rebuilt	cuda,template,device-only	' "$WORK/egp_rng.tsv"
grep -q '^__constant__ uint32_t \*snn_reccnt_D; /\* recording block: spikes per step \*/$' "$WORK/cuda-egp_rng"/*.cu
# the .cu check fails on a device declaration without an entry, and on a missing one
grep -v '^snn_reccnt_D	' "$WORK/egp_rng.tsv" >"$WORK/broken.tsv"
if $PY tests/lib/state_decls.py --cu "$WORK/cuda-egp_rng"/*.cu "$WORK/broken.tsv" >"$WORK/broken.out"; then
    echo "a device declaration without an entry was not noticed"; exit 1
fi
grep -q 'no state table entry for: snn_reccnt_D' "$WORK/broken.out"
sed 's/^\(__device__ uint64_t snn_dstep\);/\1_x;/' "$WORK/cuda-egp_rng"/*.cu >"$WORK/renamed.cu"
if $PY tests/lib/state_decls.py --cu "$WORK/renamed.cu" "$WORK/egp_rng.tsv" >"$WORK/broken.out"; then
    echo "an undeclared device entry was not noticed"; exit 1
fi
grep -q 'device state table entries not declared: snn_dstep' "$WORK/broken.out"
# a plastic projection: its synapse state, stored or rebuilt
grep -q '^snn_pv_pre_to_post_x	scalar	SNN_N_pre	projection:pre_to_post	pre-var	initial	stored	device	' "$WORK/egp_rng.tsv"
grep -q '^snn_soff_pre_to_post	uint64_t	thread+1	projection:pre_to_post	offsets	built	rebuilt	host	' "$WORK/egp_rng.tsv"
# the check itself fails on a missing entry
grep -v '^snn_tcnt_D	' "$WORK/egp_rng.tsv" >"$WORK/broken.tsv"
if $PY tests/lib/state_decls.py "$WORK/c-egp_rng"/*.c "$WORK/broken.tsv" >"$WORK/broken.out"; then
    echo "a missing entry was not noticed"; exit 1
fi
grep -q 'no state table entry for: snn_tcnt_D' "$WORK/broken.out"
echo ok
