#!/usr/bin/env bash
# Extra global parameters: neuron{ egp = { "I_ext" } } and population{ egp = { I_ext = ... } }
# (a Lua list or a text file), read in code as I_ext[id] with id the neuron's global index.
# The spike times must match the hand-iterated Euler recurrence of each neuron with its own
# input; thread blocks must not change them (id is global); an index outside the array
# reads 0.
set -euo pipefail
printf '# one value per neuron\n0 400\n600, 1000 # comma or space\n' >"$WORK/iext.txt"
for src in '{ 0.0, 400.0, 600.0, 1000.0 }' '{ file = "iext.txt" }'; do
cat >"$WORK/m.lua" <<LUA
network { name = "egp", dt = 0.1, precision = "double" }
local drive = neuron { name = "drive", params = { C = 250.0, tau_m = 10.0, V_th = 15.0 },
  vars = { V = 0.0, far = 0.0 }, egp = { "I_ext" },
  sim = "V += dt / tau_m * (-V + I_ext[id] * tau_m / C); far += I_ext[id + 4] + I_ext[-1];",
  threshold = "V >= V_th", reset = "V = 0.0;" }
population { "n", drive, 4, egp = { I_ext = $src } }
record { n = { "spikes", "far" } }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
"$WORK/sim/egp" --time 100 --quiet --output "$WORK/a"
"$WORK/sim/egp" --time 100 --quiet --output "$WORK/b" --set threads=3
cmp "$WORK/a/spikes_n.npy" "$WORK/b/spikes_n.npy"
$PY - "$WORK/a" <<'PY'
import sys
import numpy as np
s = np.load(f"{sys.argv[1]}/spikes_n.npy")
assert not np.load(f"{sys.argv[1]}/n_far.npy")["v"].any()
dt, tau, C, th = 0.1, 10.0, 250.0, 15.0
for i, I in enumerate((0.0, 400.0, 600.0, 1000.0)):
    V, want = 0.0, []
    for step in range(1000):
        V += dt / tau * (-V + I * tau / C)
        if V >= th:
            V = 0.0
            want.append((step + 1) * dt)
    got = s["t"][s["i"] == i]
    assert len(got) == len(want) and np.abs(got - want).max(initial=0) < 1e-9, (i, got, want)
    print(f"neuron {i}: I_ext {I}: {len(got)} spikes at the hand-computed times")
PY
done
# the CUDA back end copies them to the device once (its runs against the C back end:
# tests/e2e/cuda_emulated.sh with tests/cuda/egp_rng.lua)
"$SNNCC" -q -S -b cuda "$WORK/m.lua" -o "$WORK/cuda"
grep -q "snn_cu_mirror([0-9]*, snn_egp_n_I_ext, sizeof snn_egp_n_I_ext)" "$WORK/cuda/egp.c"
grep -q "snn_egp_at(snn_egp_n_I_ext, SNN_N_n" "$WORK/cuda/egp.cu"
