#!/usr/bin/env bash
# add_to_post / add_to_pre in synapse code (docs/language.md, "Adding into the neurons'
# inputs"): what a synapse adds, where, and when the neuron reads it.
#   1. closed forms: a synapse adding c * w into its target every step (dynamics): the
#      target's V after step s is s * (the sum of c * w over its sources, added in row
#      order); add_to_pre(w * V_post) from a fan-out of 200 synapses whose terms span 12
#      orders of magnitude: the source's input is exactly math.fsum of the terms (the
#      correctly rounded sum; the row-order float sum differs), read in the next step;
#      add_to_post in on_pre: read in the same step, like the weight;
#   2. threads and ranks: a random network with add_to_post in on_pre and dynamics and
#      add_to_pre from all_to_all rows split over the threads and ranks: spikes, states and
#      synapse recordings bitwise the same for 1, 2, 3 threads, 1 and 2 ranks, 2 x 2.
set -euo pipefail
source tests/lib/mpi.sh

# --- 1. closed forms ---------------------------------------------------------------------
cat >"$WORK/atp.lua" <<'LUA'
network { name = "atp", dt = 0.1, seed = 5, precision = "double" }
local integ = neuron { name = "integ", vars = { V = 0.0, E = 0.0 }, inputs = { "Efb" },
                       sim = "V += Isyn; E = Efb;" }
local wide = neuron { name = "wide", vars = { V = 0.0 },
                      sim = "V = (mod(id, 7) - 3.0) * pow(10.0, mod(id, 5) * 3.0) + 0.1 * id;" }
local spiky = neuron { name = "spiky", vars = { V = 0.0 }, sim = "V = 0.0;",
                       threshold = "mod(t, 0.5) < 0.05", reset = "" }
local push = synapse { name = "push", params = { c = 0.5 }, vars = { w = 1.0 },
                       dynamics = "add_to_post(c * w);" }
local pull = synapse { name = "pull", vars = { w = 1.0 }, dynamics = "add_to_pre(w * V_post);" }
local arrive = synapse { name = "arrive", vars = { w = 1.0 }, on_pre = "add_to_post(1000.0);" }
local A = population { "A", integ, 3 }
local B = population { "B", integ, 4 }
local C = population { "C", integ, 2 }
local W = population { "W", wide, 200 }
local T = population { "T", spiky, 1 }
projection { A, B, name = "AB", conn = all_to_all(), synapse = push, weight = uniform(0.0, 1.0) }
projection { A, W, name = "AW", conn = all_to_all(), synapse = pull, weight = uniform(0.0, 1.0),
             pre_input = "Efb" }
projection { T, C, name = "TC", conn = all_to_all(), synapse = arrive, weight = 1.0,
             delay = 0.2 }
record { B = "V", A = "E", C = "V", AB = "w", AW = "w" }
LUA
"$SNNCC" -q "$WORK/atp.lua" -o "$WORK/atp"
"$WORK/atp/atp" --time 2 --quiet --output "$WORK/atp_out"
$PY - "$WORK/atp_out" <<'PY'
import math, sys
import numpy as np
out = sys.argv[1]
n = 20
# add_to_post(c w) in dynamics: read by the target's update of the next step
w = {(int(r["pre"]), int(r["post"])): float(r["v"]) for r in np.load(f"{out}/AB_w.npy")}
V = np.load(f"{out}/B_V.npy")["v"]
for j in range(4):
    acc = 0.0
    for i in range(3):                       # row order: sources ascending
        acc += 0.5 * w[(i, j)]
    v = 0.0
    for s in range(n):
        assert V[s][j] == v, (j, s, V[s][j], v)
        v += acc
# add_to_pre(w V_post): the exact sum, rounded once, read in the next step
aw = {(int(r["pre"]), int(r["post"])): float(r["v"]) for r in np.load(f"{out}/AW_w.npy")}
vw = [(math.fmod(j, 7) - 3.0) * 10.0 ** (math.fmod(j, 5) * 3.0) + 0.1 * j for j in range(200)]
E = np.load(f"{out}/A_E.npy")["v"]
naive_differs = 0
for i in range(3):
    terms = [aw[(i, j)] * vw[j] for j in range(200)]
    exact = math.fsum(terms)
    naive = 0.0
    for x in terms:
        naive += x
    naive_differs += naive != exact
    assert E[0][i] == 0.0
    for s in range(1, n):
        assert E[s][i] == exact, (i, s, E[s][i], exact, naive)
assert naive_differs, "the test terms do not tell an exact sum from a float sum"
# add_to_post in on_pre: T spikes in steps 0, 5, 10, 15 (t mod 0.5 < 0.05); delay 2 steps:
# on_pre in steps 2, 7, 12, 17 adds 1000 + the weight 1, read in the same step
Vc = np.load(f"{out}/C_V.npy")["v"]
want = 0.0
for s in range(n):
    if s in (2, 7, 12, 17):
        want += 1001.0
    assert (Vc[s] == want).all(), (s, Vc[s], want)
print(f"add_to_pre sums exact (the float sum in row order differs for {naive_differs} of 3)")
PY
ok "closed forms: add_to_post (dynamics: next step; on_pre: same step), add_to_pre = math.fsum"

# float precision: the exact sum rounded once to float (not to double, then float)
sed -e 's/precision = "double"/precision = "float"/' -e 's/name = "atp"/name = "atpf"/' \
    -e 's/record { B = "V", A = "E",/record { W = "V", A = "E",/' "$WORK/atp.lua" >"$WORK/atpf.lua"
"$SNNCC" -q "$WORK/atpf.lua" -o "$WORK/atpf"
"$WORK/atpf/atpf" --time 1 --quiet --output "$WORK/atpf_out"
# the same with AW stored dense, whose rows sum their terms at once when that is exact in
# double (snn_xacc_add_row_f): W's V of a 12-decade spread (term by term) and of one decade
# (the row at once: wide = 0), one thread (rows of the whole population: A of 19, two
# groups of 8 rows summed together by snn_xacc_add_rows_f and 3 rows by themselves) and 3
# (rows of 67 and 66 targets, row by row)
for wide in 1 0; do
    sed -e 's/synapse = pull, weight/synapse = pull, format = "dense", weight/' \
        -e 's/population { "A", integ, 3 }/population { "A", integ, 19 }/' \
        -e "s/name = \"atpf\"/name = \"atpd$wide\"/" "$WORK/atpf.lua" >"$WORK/atpd$wide.lua"
    grep -q '"A", integ, 19' "$WORK/atpd$wide.lua"
    [ $wide = 1 ] || sed -i 's/\* pow(10.0, mod(id, 5) \* 3.0)/* (1.0 + 0.25 * mod(id, 5))/' \
        "$WORK/atpd$wide.lua"
    grep -q 'format = "dense"' "$WORK/atpd$wide.lua"
    "$SNNCC" -q -k "$WORK/atpd$wide.lua" -o "$WORK/atpd$wide"
    grep -q "SNN_ADD_TO_PRE_BUF(snn_pre" "$WORK/atpd$wide/atpd$wide.c"
    grep -q "snn_xacc_add_rows_f(snn_apre + (size_t)snn_p0" "$WORK/atpd$wide/atpd$wide.c"
    for t in 1 3; do
        "$WORK/atpd$wide/atpd$wide" --time 1 --quiet --output "$WORK/atpd${wide}_t$t" \
            --set threads=$t
    done
done
for out in atpf_out atpd1_t1 atpd1_t3 atpd0_t1 atpd0_t3; do
$PY - "$WORK/$out" <<'PY'
import sys
from fractions import Fraction
import numpy as np
out = sys.argv[1]
aw = {(int(r["pre"]), int(r["post"])): np.float32(r["v"]) for r in np.load(f"{out}/AW_w.npy")}
vw = np.load(f"{out}/W_V.npy")["v"][0].astype(np.float32)
E = np.load(f"{out}/A_E.npy")["v"]

def round_f32(x):  # the float nearest to the exact x, ties to even
    a = np.float32(float(x))
    best = None
    for c in (np.nextafter(a, np.float32(-np.inf)), a, np.nextafter(a, np.float32(np.inf))):
        d = abs(Fraction(float(c)) - x)
        even = int(np.float32(c).view(np.uint32)) % 2 == 0
        if best is None or d < best[0] or (d == best[0] and even):
            best = (d, c)
    return best[1]

for i in range(E.shape[1]):   # 3 sources, or 19 (the dense copies)
    terms = [np.float32(aw[(i, j)] * vw[j]) for j in range(200)]
    want = round_f32(sum(Fraction(float(x)) for x in terms))
    for s in range(1, len(E)):
        assert np.float32(E[s][i]) == want, (i, s, E[s][i], want)
PY
done
# the one-decade rows' float sum in row order differs from the exact one somewhere (else
# the row-at-once way would not be tested against anything)
$PY - "$WORK/atpd0_t1" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
aw = {(int(r["pre"]), int(r["post"])): np.float32(r["v"]) for r in np.load(f"{out}/AW_w.npy")}
vw = np.load(f"{out}/W_V.npy")["v"][0].astype(np.float32)
naive = 0
for i in range(3):
    acc = np.float32(0)
    for j in range(200):
        acc = np.float32(acc + np.float32(aw[(i, j)] * vw[j]))
    naive += acc != np.load(f"{out}/A_E.npy")["v"][1][i]
assert naive > 0, naive
PY
ok "float precision: add_to_pre is the exact sum rounded once to float (sparse, dense rows" \
   "term by term and at once, 1 and 3 threads)"

# --- 2. threads and ranks ---------------------------------------------------------------
cat >"$WORK/rnd.lua" <<'LUA'
network { name = "rnd", dt = 0.1, seed = 11, precision = "double" }
local pv = neuron { name = "pv", params = { rate = 40.0 }, vars = { V = 0.0, F = 0.0 },
                    sim = "V = -65.0 + 10.0 * uniform(); F += 1e-3 * Isyn;",
                    threshold = "V + 1e-4 * F < -65.0 + 10.0 * rate * dt * 0.001" }
local S = population { "S", pv, 50 }
local E = population { "E", lif, 41, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
local fb = synapse { name = "fb", params = { g = 0.02, k = 5.0 },
  vars = { w = 100.0, e = 0.0 }, pre_vars = { x = 0.0 },
  pre_spike = "x += 1.0;", pre_dynamics = "x *= exp(-dt / 20.0);",
  on_pre = "add_to_post(k * x);",
  dynamics = [[
    e = 0.9 * e + x * (V_post + 65.0) + 0.1 * normal();
    add_to_pre(g * e * w);
    add_to_post(0.001 * e);
  ]] }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = fb,
             weight = uniform(50.0, 150.0), delay = 0.5, psm = exp_curr(2.0), pre_input = "Isyn" }
projection { E, E, name = "EE", conn = all_to_all(), synapse = fb { g = 0.01 },
             weight = 20.0, delay = 0.2, psm = exp_curr(2.0), pre_input = "Isyn" }
record { E = { "spikes", "V" }, S = { "spikes", "F" }, SE = "e", EE = { "e", every = 500 } }
LUA
"$SNNCC" -q "$WORK/rnd.lua" -o "$WORK/r1"
"$SNNCC" -q --mpi "$WORK/rnd.lua" -o "$WORK/rm"
"$WORK/r1/rnd" --time 200 --quiet --output "$WORK/rref"
$PY - "$WORK/rref" <<'PY'
import sys
import numpy as np
a = sys.argv[1]
assert len(np.load(f"{a}/spikes_E.npy")) > 100
F = np.load(f"{a}/S_F.npy")["v"]
assert (F[-1] != 0).all() and len(np.unique(F[-1])) == len(F[-1]), F[-1]
PY
for t in 2 3; do
    "$WORK/r1/rnd" --time 200 --quiet --output "$WORK/r_t$t" --set threads=$t
    same_outputs "$WORK/rref" "$WORK/r_t$t" "$t threads"
done
for np in 1 2; do
    "${MPIRUN[@]}" -np $np "$WORK/rm/rnd" --time 200 --quiet --output "$WORK/r_r$np"
    same_outputs "$WORK/rref" "$WORK/r_r$np" "$np rank(s)"
done
"${MPIRUN[@]}" -np 2 "$WORK/rm/rnd" --time 200 --quiet --output "$WORK/r_2x2" --set threads=2
same_outputs "$WORK/rref" "$WORK/r_2x2" "2 ranks x 2 threads"
