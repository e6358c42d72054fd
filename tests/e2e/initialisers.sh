#!/usr/bin/env bash
# User-defined initialisers (initialiser{ name, params, code }): exact values for a
# deterministic rule (neuron variables and per-synapse weights), the mean and sd of a
# random one within 4 standard errors, parameter overrides, and the same network and
# initial state for 1 and 3 threads (and 1 vs 2 MPI ranks where mpirun exists).
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "ic", dt = 0.1, seed = 7, precision = "double" }
local lin = initialiser { name = "lin", params = { a = 1.0, b = 0.5 }, code = "value = a + b * id;" }
local gauss = initialiser {
  name = "gauss", params = { mean = 2.0, sd = 3.0 },
  code = [[
    double z = normal();
    if (z > 10.0) { value = mean; } else { value = mean + sd * z; }
  ]],
}
local coin = initialiser { name = "coin", params = { p = 0.3 },
                           code = "value = uniform() < p ? 1.0 : 0.0;" }
local steps = initialiser { name = "steps", code = "value = 0.1 * (1 + floor(5 * uniform()));" }
local hold = neuron { name = "hold", vars = { A = 0.0, B = 0.0, C = 0.0, D = 0.0, V = 0.0 },
                      sim = "V += Isyn;" }
population { "P", hold, 20000, init = { A = lin, B = lin { b = -2.0 }, C = gauss, D = coin { p = 0.7 } } }
local times = {}
for i = 1, 50 do times[i] = { 0.1 } end
local S = population { "S", spike_source_array { times = times }, 50 }
local Q = population { "Q", hold, 50 }
local R = population { "R", hold, 400 }
projection { S, Q, conn = one_to_one(), weight = lin { a = 0.25, b = 0.125 }, delay = 0.1 }
projection { S, R, conn = fixed_probability(0.2), weight = gauss { sd = 0.5 }, delay = steps }
record { P = { "A", "B", "C", "D", every = 10000 }, Q = { "V", every = 5 }, R = { "V", every = 1 } }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/b"
"$WORK/b/ic" --time 2 --output "$WORK/o1" --quiet
"$WORK/b/ic" --time 2 --output "$WORK/o3" --quiet --set threads=3
for f in P_A P_B P_C P_D Q_V R_V; do cmp "$WORK/o1/$f.npy" "$WORK/o3/$f.npy"; done
grep -o '"synapses": [0-9]*\|"checksum": "[0-9a-f]*"' "$WORK/o1/run.json" >"$WORK/c1"
grep -o '"synapses": [0-9]*\|"checksum": "[0-9a-f]*"' "$WORK/o3/run.json" >"$WORK/c3"
test -s "$WORK/c1" && cmp "$WORK/c1" "$WORK/c3"
echo "1 and 3 threads: the same initial values and connectivity"
$PY - "$WORK/o1" <<'PY'
import sys, numpy as np
o = sys.argv[1]
v = lambda f: np.load(f"{o}/{f}.npy")["v"][0]
i = np.arange(20000)
assert np.array_equal(v("P_A"), 1.0 + 0.5 * i), "lin"
assert np.array_equal(v("P_B"), 1.0 - 2.0 * i), "lin{ b = -2 }"
c, d = v("P_C"), v("P_D")
se = 3.0 / np.sqrt(c.size)
assert abs(c.mean() - 2.0) < 4 * se, ("gauss mean", c.mean())
assert abs(c.std() - 3.0) < 4 * 3.0 / np.sqrt(2 * c.size), ("gauss sd", c.std())
assert len(np.unique(c)) == c.size, "gauss values repeat"
p = 0.7
assert set(np.unique(d)) == {0.0, 1.0}
assert abs(d.mean() - p) < 4 * np.sqrt(p * (1 - p) / d.size), ("coin", d.mean())
q = np.load(f"{o}/Q_V.npy")["v"][-1]
assert np.array_equal(q, 0.25 + 0.125 * np.arange(50)), ("weights from lin", q[:5])
r = np.load(f"{o}/R_V.npy")["v"]
# R's inputs: sums of N(2, 0.5) weights over ~10 sources; every delay (0.1 .. 0.5 ms) has
# passed by the last record
last = r[-1]
assert last.mean() > 0 and abs(last.mean() / 10.0 - 2.0) < 0.3, last.mean()
# delays from 'steps' (1 to 5 steps after the spike in step 0) spread the arrivals: the
# total changes in each of the steps 1 .. 5 and never after
tot = r.sum(axis=1)
assert all(tot[k + 1] > tot[k] for k in range(0, 5)), tot[:8]
assert np.all(tot[6:] == tot[5]), tot[:8]
print("values: exact for lin, gauss mean %.4f sd %.4f, coin %.4f" % (c.mean(), c.std(), d.mean()))
PY
# a seed changes the random values but not the deterministic ones
"$WORK/b/ic" --time 0.1 --output "$WORK/o9" --quiet --seed 9
cmp "$WORK/o1/P_A.npy" "$WORK/o9/P_A.npy"
if cmp -s "$WORK/o1/P_C.npy" "$WORK/o9/P_C.npy"; then echo "seed did not change gauss"; exit 1; fi
# Open MPI's own allocations look like leaks to LeakSanitizer (make asan), as in mpi.sh
if command -v mpirun >/dev/null && [ -f "${BUILD:-build}/lib/libsnnrt_mpi.a" ]; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    "$SNNCC" -q --mpi "$WORK/m.lua" -o "$WORK/bm"
    mpirun --oversubscribe -np 2 "$WORK/bm/ic" --time 2 --output "$WORK/om" --quiet
    for f in P_A P_B P_C P_D Q_V R_V; do cmp "$WORK/o1/$f.npy" "$WORK/om/$f.npy"; done
    grep -o '"synapses": [0-9]*\|"checksum": "[0-9a-f]*"' "$WORK/om/run.json" >"$WORK/cm"
    cmp "$WORK/c1" "$WORK/cm"
    echo "2 MPI ranks: the same"
fi
