#!/usr/bin/env bash
# Initial values that depend on each other (docs/language.md, "Initial values from code"):
# Izhikevich neurons with per-neuron random a, b, c, d (state variables drawn once by
# initialisers) and U = "b * V", V from a .npy file in one population and V = "c - 5.0"
# (a chain: U reads V, which reads c; U comes first in name order) in the other.  After
# step 0 the recorded a, b, c, d are the initial values (no code changes them), and V and U
# equal a NumPy reference of one Izhikevich step from V0 and U0 = b * V0 (double precision,
# the C back end's order of operations): exact equality.  1 and 3 threads and 2 MPI ranks
# give identical recordings.
set -euo pipefail
source tests/lib/mpi.sh
$PY -c "
import numpy as np
np.save('$WORK/v0.npy', np.random.default_rng(3).uniform(-70.0, -55.0, 300))"
cat >"$WORK/izh.lua" <<'LUA'
network { name = "izh", dt = 0.1, precision = "double" }
local izh = neuron {
  name   = "izh_per_neuron",
  params = { I_e = 10.0 },
  vars   = { a = uniform(0.02, 0.1), b = uniform(0.2, 0.25), c = uniform(-65.0, -50.0),
             d = uniform(2.0, 8.0), V = -65.0, U = "b * V" },
  sim = [[
    scalar I = Isyn + I_e;
    V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I);
    V += 0.5 * dt * (0.04 * V * V + 5.0 * V + 140.0 - U + I);
    U += dt * a * (b * V - U);
  ]],
  threshold = "V >= 30.0",
  reset     = "V = c; U += d;",
}
population { "F", izh, 300, init = { V = from_file("v0.npy") } }
population { "C", izh, 200, init = { V = "c - 5.0" } }
local every = 1000000
record { F = { "a", "b", "c", "d", "V", "U", every = every },
         C = { "a", "b", "c", "d", "V", "U", every = every } }
LUA
"$SNNCC" -q "$WORK/izh.lua" -o "$WORK/s"
"$SNNCC" -q --mpi "$WORK/izh.lua" -o "$WORK/m"
"$WORK/s/izh" --time 5 --quiet --output "$WORK/o1"
"$WORK/s/izh" --time 5 --quiet --output "$WORK/o3" --set threads=3
"${MPIRUN[@]}" -np 2 "$WORK/m/izh" --time 5 --quiet --output "$WORK/o2"
same_outputs "$WORK/o1" "$WORK/o3" "3 threads"
same_outputs "$WORK/o1" "$WORK/o2" "2 ranks"
$PY - "$WORK" <<'PY'
import sys
import numpy as np
d = sys.argv[1]
def rec(pop, var):
    r = np.load(f"{d}/o1/{pop}_{var}.npy")
    assert len(r) == 1 and r["t"][0] == 0.1, (pop, var, r["t"])
    return r["v"][0]
for pop, n in (("F", 300), ("C", 200)):
    a, b, c, dd, V, U = (rec(pop, v) for v in ("a", "b", "c", "d", "V", "U"))
    for x, lo, hi in ((a, 0.02, 0.1), (b, 0.2, 0.25), (c, -65.0, -50.0), (dd, 2.0, 8.0)):
        assert x.shape == (n,) and (x > lo).all() and (x < hi).all(), (pop, lo, hi)
        assert len(np.unique(x)) == n, "per-neuron values expected"
    V0 = np.load(f"{d}/v0.npy") if pop == "F" else c - 5.0
    U0 = b * V0
    dt, I = 0.1, 0.0 + 10.0
    Vn = V0
    for _ in range(2):
        Vn = Vn + 0.5 * dt * (0.04 * Vn * Vn + 5.0 * Vn + 140.0 - U0 + I)
    Un = U0 + dt * a * (b * Vn - U0)
    assert (Vn < 30.0).all()  # no spike in step 0
    assert (V == Vn).all(), (pop, np.abs(V - Vn).max())
    assert (U == Un).all(), (pop, np.abs(U - Un).max())
    # and U did start from b * V0: a start from the model's default -65 * b would differ
    assert not (U == U0 + dt * a * (b * Vn - b * -65.0)).all()
    print(f"ok   {pop}: a, b, c, d per neuron; V and U after step 0 equal the reference "
          f"from U0 = b * V0")
PY
