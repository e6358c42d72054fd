#!/usr/bin/env bash
# Additional inputs (neuron{ inputs = { ... } }): projections with any postsynaptic model
# and current sources feed a named input instead of Isyn.  Each input is checked against
# its closed form: delta (one step), exp_curr (the per-step means c w e^(-k dt/tau)),
# exp_cond (mean conductance times (E - V)), a dc source; Isyn keeps only what is not
# redirected; and the same run on 2 threads (and on the CUDA emulation's shared neuron code
# through cuda_emulated.sh's models) gives the same values.
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "inp", dt = 0.1, precision = "double" }
local acc = neuron { name = "acc", vars = { A = 0.0, B = 0.0, C = 0.0, D = 0.0, V = -60.0 },
  inputs = { "Ia", "Ib", "Ic" },
  sim = "A += Ia; B += Ib; C += Isyn; D += Ic;" }
local S = population { "S", spike_source_array { times = { { 0.1 }, { 0.1 }, {}, {} } }, 4 }
local P = population { "P", acc, 4 }
projection { S, P, conn = one_to_one(), weight = 2.0, delay = 0.1, target = "Ia", name = "a" }
projection { S, P, conn = one_to_one(), weight = 3.0, delay = 0.1, psm = exp_curr(2.0),
             target = "Ib", name = "b" }
projection { S, P, conn = one_to_one(), weight = 5.0, delay = 0.1, name = "c" }
projection { S, P, conn = one_to_one(), weight = 0.5, delay = 0.1,
             psm = exp_cond { tau = 1.0, E = 0.0 }, target = "Ic", name = "d" }
current_source { P, dc { amp = 0.25 }, target = "Ia" }
record { P = { "A", "B", "C", "D" } }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/b"
"$WORK/b/inp" --time 5 --quiet --output "$WORK/o"
"$WORK/b/inp" --time 5 --quiet --output "$WORK/o2" --set threads=2
for v in A B C D; do cmp "$WORK/o/P_$v.npy" "$WORK/o2/P_$v.npy"; done
$PY - "$WORK/o" <<'PY'
import sys, numpy as np
o = sys.argv[1]
r = {v: np.load(f"{o}/P_{v}.npy")["v"] for v in "ABCD"}
n = r["A"].shape[0]
s = np.arange(n)              # record s holds the value after step s
dt = 0.1
got = lambda v, j: r[v][:, j]
# spikes at step 0 arrive (delay one step) in step 1
arr = (s >= 1).astype(float)
for j, spiking in ((0, 1), (1, 1), (2, 0), (3, 0)):
    a = 0.25 * (s + 1) + 2.0 * arr * spiking
    assert np.allclose(got("A", j), a, rtol=1e-13, atol=0), ("A", j)
    c_exp = 2.0 / dt * -np.expm1(-dt / 2.0)
    k = np.maximum(s, 0)      # steps since arrival, summed: geometric series
    b = spiking * 3.0 * c_exp * np.where(s >= 1, -np.expm1(-s * dt / 2.0) / -np.expm1(-dt / 2.0), 0)
    assert np.allclose(got("B", j), b, rtol=1e-12, atol=1e-12), ("B", j, got("B", j)[:4], b[:4])
    assert np.array_equal(got("C", j), 5.0 * arr * spiking), ("C", j)
    c_cond = 1.0 / dt * -np.expm1(-dt / 1.0)
    d = spiking * 0.5 * c_cond * 60.0 * np.where(s >= 1, -np.expm1(-s * dt / 1.0) / -np.expm1(-dt / 1.0), 0)
    assert np.allclose(got("D", j), d, rtol=1e-12, atol=1e-12), ("D", j)
print("inputs: delta, exp_curr, exp_cond and dc each in their own input; Isyn alone")
PY
# the CUDA back end prints the same neuron update: it must compile there too
if command -v "${NVCC:-nvcc}" >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
    "$SNNCC" -q -b cuda -S "$WORK/m.lua" -o "$WORK/cu"
    grep -q "snn_inp_Ib +=" "$WORK/cu/inp.cu"
fi
