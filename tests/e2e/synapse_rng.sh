#!/usr/bin/env bash
# Random draws in synapse code: each (projection, code string) has its own counter-based
# stream keyed by the synapse's identity (source, target, ordinal among the pair's
# multapses; the neuron's index in per-neuron code) and the step (the exact values:
# tests/e2e/rng_v2.sh).
# A source firing every step sends w = uniform() through 200 synapses into 'acc' of 200
# targets: the sums over 1000 arrivals have the mean and spread of uniform sums, differ
# between synapses (independent streams), repeat exactly with the same seed and change
# with another.  A post_dynamics draw (per target neuron) compiles and runs alongside.
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "srng", dt = 0.1, seed = 3, precision = "double" }
local clock = neuron { name = "clock", threshold = "true" }
local sink = neuron { name = "sink", vars = { acc = 0.0 } }
local noisy = synapse { name = "noisy", vars = { w = 0.0 }, post_vars = { z = 0.0, zz = 0.0 },
  on_pre = "w = uniform();",
  post_dynamics = "scalar g = normal(); z += g; zz += g * g;" }
local pre = population { "pre", clock, 1 }
local post = population { "post", sink, 200 }
projection { pre, post, conn = all_to_all(), target = "acc", synapse = noisy, name = "EE" }
record { post = { "acc", every = 1000 } }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
"$WORK/sim/srng" --time 201 --quiet --output "$WORK/a"
"$WORK/sim/srng" --time 201 --quiet --output "$WORK/b"
"$WORK/sim/srng" --time 201 --quiet --output "$WORK/c" --seed 4
cmp "$WORK/a/post_acc.npy" "$WORK/b/post_acc.npy"
if cmp -s "$WORK/a/post_acc.npy" "$WORK/c/post_acc.npy"; then echo "seed ignored"; exit 1; fi
$PY - "$WORK" <<'PY'
import sys
import numpy as np
v = np.load(f"{sys.argv[1]}/a/post_acc.npy")["v"]
acc = v[2] - v[1]  # the arrivals of steps 1001 ... 2000
n = 1000
mean, sd = acc.mean() / n, acc.std() / np.sqrt(n)
# each target's sum: mean n/2, sd sqrt(n/12); over 200 targets
assert abs(mean - 0.5) < 5 * np.sqrt(1 / 12 / n / 200), mean
assert abs(sd - np.sqrt(1 / 12)) < 0.25 * np.sqrt(1 / 12), sd
assert len(np.unique(acc)) == 200
print(f"per-synapse uniform sums: mean {mean:.4f} per draw, sd {sd:.4f} per sqrt(draw)")
PY
# the CUDA back end draws from the same streams on the device (its runs against the C back
# end: tests/e2e/cuda_emulated.sh with tests/cuda/egp_rng.lua)
"$SNNCC" -q -S -b cuda "$WORK/m.lua" -o "$WORK/cuda"
grep -q "snn_rng_init_synk(&snn_rng_st, snn_sstream_EE_on_pre, 0u, snn_pre, snn_post, snn_ord, step);" "$WORK/cuda/srng.cu"
grep -q "__constant__ uint64_t snn_sstream_EE_on_pre;" "$WORK/cuda/srng.cu"
grep -q "__constant__ uint32_t snn_sstream_EE_post_dynamics;" "$WORK/cuda/srng.cu"
