#!/usr/bin/env bash
# Custom-update extras (docs/language.md "Custom updates"; model tests/cuda/cu_extras.lua):
#   1. random draws in custom-update code: a NumPy Philox4x32-10 with the documented keys
#      (docs/architecture.md "Key and counter layout") gives exactly the recorded draws:
#      over synapses stream "cu:Draw", key (lo(M) ^ stream, hi(M) ^ lane), counter
#      (draw | ordinal << 16, pre, post, step); over neurons stream "cu:NDraw", key (lo,
#      stream), counter (draw | lane << 16, neuron, step, hi); uniform() and exponential()
#      exactly, normal() by its moments; multapses draw their own numbers; the draws of
#      batch lane b are those of lane b (lane 0 = the unbatched run, lane 1 its own);
#   2. the synapse's neurons in an update over synapses: d = 1000 z_pre + V_post +
#      0.001 id_pre + 1e-6 id_post equals the same sum of the recorded z and V exactly;
#   3. recording custom-update variables (record { NDraw = { "sx", "n" }, Draw = { "sa",
#      every = 1 } }): <update>_<var>.npy in the state and synapse recordings' formats,
#      sx and sa the running sums of the recorded draws (exact), per lane; run.json names
#      the update; the CUDA back end refuses the per-synapse ones;
#   4. the same bits for 1, 2, 3 threads and 1, 2 MPI ranks (-D mpi=1: without _pre);
#   5. a dense projection (format = "dense") gives the sparse one's draws, _pre/_post values
#      and recordings (all_to_all: the same synapses).
set -euo pipefail
source tests/lib/mpi.sh
M=tests/cuda/cu_extras.lua
T=60
"$SNNCC" -q "$M" -o "$WORK/c"
"$SNNCC" -q -D batch=2 "$M" -o "$WORK/b"
"$WORK/c/cux" --time $T --quiet --output "$WORK/s"
"$WORK/b/cux" --time $T --quiet --output "$WORK/lanes"
"$WORK/b/cux" --time $T --quiet --set batch=1 --set lane_offset=1 --output "$WORK/lane1"
for f in Dst_x Dst_e Dst_g P_a P_w NDraw_sx NDraw_n Draw_sa; do
    cmp "$WORK/s/$f.npy" "$WORK/lanes/$f.npy" || fail "lane 0 of a batch: $f differs from the unbatched run"
    cmp "$WORK/lanes/lane1/$f.npy" "$WORK/lane1/$f.npy" || fail "lane_offset 1: $f differs from lane 1"
done
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # snn_rng.py
$PY - "$WORK/s" "$WORK/lanes/lane1" <<'PY'
import math, sys
import numpy as np
from snn_rng import neuron_words, syn_words, u53  # tests/lib/snn_rng.py
SEED = 3

def check(out, lane):
    a, w = np.load(f"{out}/P_a.npy"), np.load(f"{out}/P_w.npy")
    x = np.load(f"{out}/Dst_x.npy")["v"]
    e = np.load(f"{out}/Dst_e.npy")["v"]
    g = np.load(f"{out}/Dst_g.npy")["v"]
    n = 9 * 4
    steps = len(a) // n
    assert steps == len(x) and len(a) == steps * n, (len(a), len(x))
    multapses = 0
    for s in range(steps):  # snapshot s: after step s's custom updates
        sa, sw = a[s * n:(s + 1) * n], w[s * n:(s + 1) * n]
        ordinal = np.zeros(n, dtype=int)
        for k in range(1, n):
            if sa["pre"][k] == sa["pre"][k - 1] and sa["post"][k] == sa["post"][k - 1]:
                ordinal[k] = ordinal[k - 1] + 1
        multapses += int((ordinal > 0).sum())
        for k in range(n):
            want = u53(syn_words(SEED, "cu:Draw", int(sa["pre"][k]), int(sa["post"][k]), s,
                                 int(ordinal[k]), lane))
            assert sa["v"][k] == want, (out, s, k, sa["v"][k], want)
            assert sw["v"][k] == math.floor(want * 1048576.0)
            if ordinal[k]:
                assert sa["v"][k] != sa["v"][k - 1]
    assert multapses > 0, "no multapses in the test network"
    # neuron states are recorded before the step's custom updates: row s holds step s-1's draws
    assert (x[0] == 0).all() and (e[0] == 0).all()
    for s in range(1, steps):
        for i in range(9):
            gen = neuron_words(SEED, "cu:NDraw", i, s - 1, lane)
            wx = u53(gen)
            we = -math.log(u53(gen))
            assert x[s][i] == wx and e[s][i] == we, (out, s, i, x[s][i], wx, e[s][i], we)
    gs = g[1:].ravel()
    assert abs(gs.mean()) < 4.5 / math.sqrt(gs.size), gs.mean()
    assert abs(gs.var() - 1.0) < 4.5 * math.sqrt(2.0 / gs.size), gs.var()
    assert len(np.unique(gs)) == gs.size
    return steps, multapses

st, mu = check(sys.argv[1], 0)
check(sys.argv[2], 1)
print(f"NumPy Philox = the recorded draws ({st} steps, {mu} multapse snapshots), lanes 0 and 1")

# 2. the synapse's neurons
out = sys.argv[1]
d = np.load(f"{out}/P_d.npy")
V = np.load(f"{out}/Dst_V.npy")["v"]
z = np.load(f"{out}/Src_z.npy")["v"]
n = 36
for s in range(len(V)):
    sd = d[s * n:(s + 1) * n]
    for k in range(n):
        i, j = int(sd["pre"][k]), int(sd["post"][k])
        want = 1000.0 * z[s][i] + V[s][j] + 0.001 * i + 1e-6 * j
        assert sd["v"][k] == want, (s, i, j, sd["v"][k], want)
assert len(np.unique(d["v"][-n:])) > 9
print("d = 1000 z_pre + V_post + 0.001 id_pre + 1e-6 id_post: exact")
PY
ok "draws in custom updates: the documented streams exactly (lanes 0, 1); V_post, z_pre, id_pre, id_post"

# --- 3. recording custom-update variables ----------------------------------------------------
$PY - "$WORK/s" "$WORK/lanes/lane1" <<'PY'
import json, sys
import numpy as np
for out in sys.argv[1:]:
    x = np.load(f"{out}/Dst_x.npy")
    sx, n = np.load(f"{out}/NDraw_sx.npy"), np.load(f"{out}/NDraw_n.npy")
    assert sx.dtype == x.dtype and len(sx) == len(x) and (sx["t"] == x["t"]).all(), sx.dtype
    # recorded with the neuron states, before the step's updates: row s holds the sum of
    # the draws of steps 0 .. s-1, which Dst_x rows 1 .. s hold
    acc = np.zeros(9)
    for s in range(len(x)):
        assert (sx["v"][s] == acc).all() and (n["v"][s] == s).all(), (out, s)
        if s + 1 < len(x):
            acc = acc + x["v"][s + 1]
    a, sa = np.load(f"{out}/P_a.npy"), np.load(f"{out}/Draw_sa.npy")
    assert sa.dtype == a.dtype and len(sa) == len(a), sa.dtype
    assert (sa["pre"] == a["pre"]).all() and (sa["post"] == a["post"]).all()
    k = 36  # snapshots after the step's updates: the sum of the draws of steps 0 .. s
    acc = np.zeros(k)
    for s in range(len(a) // k):
        acc = acc + a["v"][s * k:(s + 1) * k]
        assert (sa["v"][s * k:(s + 1) * k] == acc).all(), (out, s)
j = json.load(open(f"{sys.argv[1]}/run.json"))
rec = {(r.get("custom_update"), r["var"]): r for r in j["recordings"]}
assert rec[("NDraw", "sx")]["population"] == "Dst" and rec[("NDraw", "sx")]["neurons"] == 9
assert rec[("Draw", "sa")]["projection"] == "P" and rec[("Draw", "sa")]["every"] == 1
print("NDraw_sx, NDraw_n, Draw_sa: the running sums of the recorded draws, lanes 0 and 1")
PY
ok "custom-update variables recorded per neuron and per synapse, per lane"

for t in 2 3; do
    "$WORK/c/cux" --time $T --quiet --set threads=$t --output "$WORK/t$t" 2>/dev/null
    same_outputs "$WORK/s" "$WORK/t$t" "$t threads"
done
"$SNNCC" -q -D mpi=1 "$M" -o "$WORK/c1"
"$SNNCC" -q -D mpi=1 --mpi "$M" -o "$WORK/m"
"$WORK/c1/cux" --time $T --quiet --output "$WORK/m0"
for np in 1 2; do
    "${MPIRUN[@]}" -np $np "$WORK/m/cux" --time $T --quiet --output "$WORK/r$np" 2>/dev/null
    same_outputs "$WORK/m0" "$WORK/r$np" "$np rank(s)"
done
ok "identical for 1, 2, 3 threads and 1, 2 MPI ranks"

# --- 5. dense rows: the same as sparse ----------------------------------------------------------
for fmt in sparse dense; do
    cat >"$WORK/d_$fmt.lua" <<EOF
network { name = "d$fmt", dt = 1.0, seed = 5, precision = "double" }
local src = neuron { name = "src", vars = { z = 0.0 }, sim = "z = 0.01 * id + 0.1 * t;" }
local acc = neuron { name = "acc", vars = { V = 0.0 }, sim = "V = 0.5 * id + t;" }
local gsyn = synapse { name = "gsyn", vars = { w = 0.5, g = 0.0 } }
local S = population { "S", src, 7 }
local P = population { "P", acc, 11 }
projection { S, P, name = "SP", conn = all_to_all(), synapse = gsyn, format = "$fmt" }
custom_update { name = "Noise", group = "G", every = 2, vars = { q = 0.0 },
  var_refs = { w = ref_rw("SP", "w"), g = ref_rw("SP", "g") },
  code = "w = uniform(); g = z_pre * 1000.0 + V_post + 0.001 * id_pre + 1e-6 * id_post; q += normal();" }
record { SP = { "w", "g", every = 1 }, Noise = { "q", every = 3 } }
EOF
    "$SNNCC" -q "$WORK/d_$fmt.lua" -o "$WORK/d_$fmt"
    "$WORK/d_$fmt/d$fmt" --time 10 --quiet --set threads=2 --output "$WORK/od_$fmt" 2>/dev/null
done
for f in SP_w SP_g Noise_q; do
    cmp "$WORK/od_sparse/$f.npy" "$WORK/od_dense/$f.npy" || fail "dense: $f differs from sparse"
done
ok "dense rows: the sparse projection's draws, neuron values and recordings"
