#!/usr/bin/env bash
# The state table (compiler/state.c, snncc --state) is complete: for shipped models, tests
# and examples, on both back ends (the CUDA back end's host half declares the same state),
# every array or value the generated simulator declares at file scope has a table entry
# and every entry is declared (tests/lib/state_decls.py).  And --state prints a header and
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
done
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
