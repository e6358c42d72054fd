#!/usr/bin/env bash
# Batches (network{ batch = B }; docs/language.md "Batches", docs/run.md "Batches"): lane b of
# a batch of 8 is exactly what a run of batch 1 with lane_offset b gives: spikes, state
# recordings and the final synapse checksums, on a model with random draws in neuron code,
# noise and Poisson current sources, and synapse code with draws (on_pre / on_post, pre and
# post traces, per-synapse dynamics), for 1, 2 and 3 threads.  Lane 0 records where an
# unbatched run does, lane b >= 1 into lane<b>/; run.json has each lane's counts.
set -euo pipefail
source tests/lib/batch_model.sh # batch_model
batch_model 8 >"$WORK/m.lua"
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
SIM="$WORK/sim/bt"
FILES="spikes_S.npy spikes_E.npy spikes_I.npy E_V.npy"
# the reference: 8 runs of one lane each, lane_offset b
for b in 0 1 2 3 4 5 6 7; do
    "$SIM" --time 100 --quiet --output "$WORK/one$b" --set batch=1 --set lane_offset=$b
done
# lanes draw their own numbers: lane 1 is not lane 0
if cmp -s "$WORK/one0/spikes_E.npy" "$WORK/one1/spikes_E.npy"; then
    echo "lanes 0 and 1 spike alike"; exit 1
fi
for t in 1 2 3; do
    out="$WORK/b8_t$t"
    "$SIM" --time 100 --quiet --output "$out" --set threads=$t
    for b in 0 1 2 3 4 5 6 7; do
        d="$out/lane$b"
        [ "$b" -eq 0 ] && d="$out"
        for f in $FILES; do
            cmp "$d/$f" "$WORK/one$b/$f" || { echo "threads $t lane $b: $f differs"; exit 1; }
        done
    done
    $PY - "$WORK" "$t" <<'PY'
import json, sys
w, t = sys.argv[1], sys.argv[2]
run = json.load(open(f"{w}/b8_t{t}/run.json"))
batch = run["run"]["batch"]
assert batch["lanes"] == 8 and batch["lane_offset"] == 0, batch
total = [0, 0, 0]
for b, lane in enumerate(batch["per_lane"]):
    one = json.load(open(f"{w}/one{b}/run.json"))
    spikes = [p["spikes"] for p in one["populations"]]
    final = [p.get("final_checksum") for p in one["projections"]]
    assert lane["lane"] == b and lane["spikes"] == spikes, (b, lane, spikes)
    assert lane["final_checksum"] == final, (b, lane["final_checksum"], final)
    assert final[0] and final[1] and final[2] is None, final
    assert min(spikes) > 0, spikes
    total = [a + s for a, s in zip(total, spikes)]
# the populations' counts are over all lanes, their rates per neuron and lane
assert [p["spikes"] for p in run["populations"]] == total, total
assert abs(run["populations"][1]["rate_hz"] - total[1] / (41 * 0.1 * 8)) < 1e-9
print(f"threads {t}: 8 lanes = 8 runs of one lane (spikes per lane {total})")
PY
done
# the model's batch is the default; batch 3 with lane_offset 5 is lanes 5, 6, 7
"$SIM" --time 100 --quiet --output "$WORK/b3" --set batch=3 --set lane_offset=5
for f in $FILES; do
    cmp "$WORK/b3/$f" "$WORK/one5/$f"
    cmp "$WORK/b3/lane2/$f" "$WORK/one7/$f"
done
[ ! -e "$WORK/b3/lane3" ]
# bad run configs name the line
printf 'batch: 0\n' >"$WORK/bad.yaml"
if "$SIM" --time 1 --quiet --output "$WORK/bad" --config "$WORK/bad.yaml" 2>"$WORK/err"; then exit 1; fi
grep -q "bad.yaml:1:.*'batch'" "$WORK/err" || { cat "$WORK/err"; exit 1; }
printf 'batch: 2.5\n' >"$WORK/bad.yaml"
if "$SIM" --time 1 --quiet --output "$WORK/bad" --config "$WORK/bad.yaml" 2>"$WORK/err"; then exit 1; fi
grep -q "bad.yaml:1:.*'batch'" "$WORK/err" || { cat "$WORK/err"; exit 1; }
printf 'lane_offset: 65535\nbatch: 2\n' >"$WORK/bad.yaml"
if "$SIM" --time 1 --quiet --output "$WORK/bad" --config "$WORK/bad.yaml" 2>"$WORK/err"; then exit 1; fi
grep -q "bad.yaml:1: lanes 65535 .. 65536 are beyond" "$WORK/err" || { cat "$WORK/err"; exit 1; }
# an unbatched model refuses batch and lane_offset
sed 's/, batch = 8//' "$WORK/m.lua" >"$WORK/u.lua"
"$SNNCC" -q "$WORK/u.lua" -o "$WORK/u"
if "$WORK/u/bt" --time 1 --quiet --output "$WORK/bad" --set batch=2 2>"$WORK/err"; then exit 1; fi
grep -q "'batch' needs a batched model: model 'bt' has no network{ batch = B }" "$WORK/err" ||
    { cat "$WORK/err"; exit 1; }
# ... and its lane 0 is the batched model's lane 0 (batch 1 is what it runs anyway)
"$WORK/u/bt" --time 100 --quiet --output "$WORK/u_out" --set batch=1
for f in $FILES; do cmp "$WORK/u_out/$f" "$WORK/one0/$f"; done

# data sets: lane b of the q-th example of the run shows position start + 4 q + b (lanes
# 0..3); its first example is what a run of one lane with start b shows first
cat >"$WORK/ds.lua" <<'LUA'
network { name = "dsin", dt = 0.5, precision = "double", batch = 4 }
local In = population { "In", spike_source_dataset { classes = 4 }, 6 }
local probe = neuron { name = "probe", vars = { L = 0.0, X = 0.0, C = 0.0 },
                       sim = "L = label; X = example; C += Isyn;" }
local P = population { "P", probe, 3 }
projection { In, P, conn = all_to_all(), weight = 1.0, psm = delta() }
record { In = "spikes", P = { "L", "X", "C" } }
LUA
(cd "$WORK" && $PY - <<'PY'
import numpy as np, os
rng = np.random.default_rng(5)
times, units, offs, labels = [], [], [0], []
for k in range(9):
    n = 0 if k in (2, 6) else int(rng.integers(3, 14))
    t = np.sort(np.round(rng.uniform(0.3, 5.2, n), 2))
    u = rng.integers(0, 6, n)
    times += list(t); units += list(u); offs.append(offs[-1] + n); labels.append(k % 4)
os.makedirs("ds", exist_ok=True)
np.save("ds/times.npy", np.array(times, dtype=np.float64))
np.save("ds/units.npy", np.array(units, dtype=np.uint16))
np.save("ds/offsets.npy", np.array(offs, dtype=np.int64))
np.save("ds/labels.npy", np.array(labels, dtype=np.uint8))
PY
)
"$SNNCC" -q "$WORK/ds.lua" -o "$WORK/dsb"
DS="$WORK/dsb/dsin --quiet --set datasets.In.file=$WORK/ds --set datasets.In.example_steps=12"
$DS --time 60 --output "$WORK/d4" --set datasets.In.order=shuffle
$DS --time 60 --output "$WORK/d4t2" --set datasets.In.order=shuffle --set threads=2
$DS --time 240 --output "$WORK/d1" --set datasets.In.order=shuffle --set batch=1
for b in 0 1 2 3; do
    $DS --time 6 --output "$WORK/s$b" --set batch=1 --set datasets.In.start=$b \
        --set datasets.In.order=shuffle
done
$PY - "$WORK" <<'PY'
import filecmp, sys
import numpy as np
w = sys.argv[1]
L, B = 12, 4
def lane(d, b):
    return f"{w}/{d}" + (f"/lane{b}" if b else "")
x1 = np.load(f"{w}/d1/P_X.npy")["v"][:, 0]     # one lane: positions 0, 1, 2, ...
order = x1[::L].astype(int)                      # the shuffled example of each position
nonempty = 0
for b in range(B):
    for f in ("spikes_In.npy", "P_X.npy", "P_L.npy", "P_C.npy"):
        assert filecmp.cmp(f"{lane('d4', b)}/{f}", f"{lane('d4t2', b)}/{f}", shallow=False), f
    x = np.load(f"{lane('d4', b)}/P_X.npy")["v"][:, 0].astype(int)
    want = [order[q * B + b] for q in range(len(x) // L)]
    assert list(x[::L]) == want, (b, list(x[::L]), want)
    # the first example: the spikes of a run of one lane that starts at position b
    got = np.load(f"{lane('d4', b)}/spikes_In.npy")
    one = np.load(f"{w}/s{b}/spikes_In.npy")
    first = got[got["t"] <= 6.0 + 1e-9]
    assert np.array_equal(first, one), (b, first, one)
    nonempty += len(one) > 0
assert nonempty >= 2, nonempty
print("data sets: lane b shows positions 4 q + b; 1 and 2 threads alike")
PY
printf 'batch: 10\n' >"$WORK/big.yaml"
if $DS --time 6 --output "$WORK/bad" --config "$WORK/big.yaml" 2>"$WORK/err"; then exit 1; fi
grep -q "big.yaml:1: batch 10 is larger than the data set of population 'In' (datasets.In, .*: 9 examples)" "$WORK/err" ||
    { cat "$WORK/err"; exit 1; }

# batch reductions (custom_update vars with reduce = "batch_sum" / "batch_max"): held once,
# the sum over the lanes in lane order in double (a Python loop over the lanes, not
# np.sum's pairwise order), the max; over neurons and over synapses, written back into
# every lane (ref_rw) and recorded per lane; 1 and 2 threads alike
cat >"$WORK/red.lua" <<'LUA'
network { name = "red", dt = 0.1, seed = 5, precision = "double", batch = 5 }
local rw = neuron { name = "rw", vars = { V = 0.0, sb = 0.0, mb = 0.0 },
                    sim = "V += 0.1 * normal();", threshold = "V > 1e9" }
local P = population { "P", rw, 30 }
local S = population { "S", rw, 12 }
local acc = synapse { name = "acc", vars = { w = 0.0, G = 0.0, H = 0.0 },
                      dynamics = "G += uniform() * 0.37;" }
projection { S, P, name = "SP", conn = fixed_probability(0.4), synapse = acc }
custom_update { name = "VSum", group = "Reduce", every = 10,
  vars = { s = { reduce = "batch_sum" }, mx = { reduce = "batch_max" } },
  var_refs = { V = ref("P", "V") }, code = "s = V; mx = V;" }
custom_update { name = "GSum", group = "Reduce", at_end = true,
  vars = { g = { reduce = "batch_sum" } }, var_refs = { G = ref("SP", "G") }, code = "g = G;" }
custom_update { name = "VBack", group = "Back", every = 10,
  var_refs = { s = ref("VSum", "s"), mx = ref("VSum", "mx"), SB = ref_rw("P", "sb"),
               MB = ref_rw("P", "mb") }, code = "SB = s; MB = mx;" }
custom_update { name = "GBack", group = "Back", at_end = true,
  var_refs = { g = ref("GSum", "g"), H = ref_rw("SP", "H") }, code = "H = g;" }
record { P = { "V", "sb", "mb" }, SP = { "G", "H" } }
LUA
"$SNNCC" -q "$WORK/red.lua" -o "$WORK/redb"
"$WORK/redb/red" --time 10 --quiet --output "$WORK/r5"
"$WORK/redb/red" --time 10 --quiet --output "$WORK/r5t2" --set threads=2
$PY - "$WORK" <<'PY'
import filecmp, os, sys
import numpy as np
w, B = sys.argv[1], 5
def lane(d, b):
    return f"{w}/{d}" + (f"/lane{b}" if b else "")
for b in range(B):
    for f in os.listdir(lane("r5", b)):
        if f.endswith(".npy"):
            assert filecmp.cmp(f"{lane('r5', b)}/{f}", f"{lane('r5t2', b)}/{f}", shallow=False), f
V = [np.load(f"{lane('r5', b)}/P_V.npy")["v"] for b in range(B)]
assert not np.array_equal(V[0], V[1])       # the lanes differ
for s in range(9, 99, 10):                  # reduced after step s, recorded in step s + 1
    want = V[0][s].copy()
    for b in range(1, B):
        want = want + V[b][s]               # lane order, double
    mx = np.max([V[b][s] for b in range(B)], axis=0)
    for b in range(B):
        sb = np.load(f"{lane('r5', b)}/P_sb.npy")["v"][s + 1]
        mb = np.load(f"{lane('r5', b)}/P_mb.npy")["v"][s + 1]
        assert np.array_equal(sb, want), (s, b, sb - want)
        assert np.array_equal(mb, mx), (s, b)
G = [np.load(f"{lane('r5', b)}/SP_G.npy") for b in range(B)]
key = lambda r: np.lexsort((r["post"], r["pre"]))
G = [g[key(g)] for g in G]
gs = G[0]["v"].copy()
for b in range(1, B):
    assert np.array_equal(G[b]["pre"], G[0]["pre"]) and np.array_equal(G[b]["post"], G[0]["post"])
    gs = gs + G[b]["v"]
assert not np.array_equal(G[0]["v"], G[1]["v"])
for b in range(B):
    H = np.load(f"{lane('r5', b)}/SP_H.npy")
    H = H[key(H)]
    assert np.array_equal(H["v"], gs), (b, np.abs(H["v"] - gs).max())
print(f"batch_sum / batch_max over {B} lanes: exact, {len(gs)} synapses, 30 neurons")
PY

# shared variables: a weight held once (synapse{ shared = { "w" } }) that an optimiser
# step updates once from the batch-summed gradient (a custom update whose variables and
# references are all held once runs once, with the last lane); a shared moment m
cat >"$WORK/sh.lua" <<'LUA'
network { name = "sh", dt = 0.1, seed = 9, precision = "double", batch = 4 }
local rw = neuron { name = "rw", vars = { V = 0.0 }, sim = "V += normal();",
                    threshold = "V > 2.0", reset = "V = 0.0;" }
local P = population { "P", rw, 10 }
local Q = population { "Q", rw, 8 }
local grad = synapse { name = "grad", vars = { w = 0.5, G = 0.0 }, shared = { "w" },
                       dynamics = "G += uniform() * V_post;" }
projection { P, Q, name = "PQ", conn = fixed_probability(0.5), synapse = grad }
custom_update { name = "GradSum", group = "Reduce", at_end = true,
  vars = { g = { reduce = "batch_sum" } }, var_refs = { G = ref("PQ", "G") }, code = "g = G;" }
custom_update { name = "Apply", group = "Learn", at_end = true, params = { eta = 0.125 },
  vars = { m = { init = 0.0, shared = true } },
  var_refs = { g = ref("GradSum", "g"), w = ref_rw("PQ", "w") },
  code = "m = 0.9 * m + g; w -= eta * m;" }
record { PQ = { "w", "G" } }
LUA
"$SNNCC" -q "$WORK/sh.lua" -o "$WORK/shb"
"$SNNCC" -q --state "$WORK/sh.lua" >"$WORK/sh_state.txt"
grep -q "^snn_sv_PQ_G	.*per-lane" "$WORK/sh_state.txt"
grep -q "^snn_cuv_Apply_m	" "$WORK/sh_state.txt"
if grep -q "^snn_cuv_Apply_m	.*per-lane" "$WORK/sh_state.txt"; then exit 1; fi
"$WORK/shb/sh" --time 5 --quiet --output "$WORK/sh4" --set threads=2
$PY - "$WORK" <<'PY'
import sys
import numpy as np
w, B = sys.argv[1], 4
def load(b, v):
    r = np.load(f"{w}/sh4" + (f"/lane{b}" if b else "") + f"/PQ_{v}.npy")
    return r[np.lexsort((r["post"], r["pre"]))]
G = [load(b, "G")["v"] for b in range(B)]
assert not np.array_equal(G[0], G[1])
g = G[0].copy()
for b in range(1, B):
    g = g + G[b]
want = 0.5 - 0.125 * (0.9 * 0.0 + g)        # once, not once per lane
for b in range(B):
    got = load(b, "w")["v"]
    assert np.allclose(got, want, rtol=1e-14, atol=0), (b, np.abs(got - want).max())
print(f"shared w: one optimiser step from the sum over {B} lanes, {len(g)} synapses")
PY

# a non-finite value names the lane
cat >"$WORK/nan.lua" <<'LUA'
network { name = "nanb", dt = 0.1, batch = 3 }
local n = neuron { name = "n", vars = { V = 0.0 }, sim = "if (t > 0.25) { V = log(-1.0); }" }
population { "P", n, 4 }
LUA
"$SNNCC" -q "$WORK/nan.lua" -o "$WORK/nanb"
if "$WORK/nanb/nanb" --time 1 --quiet --output "$WORK/nan_out" --set lane_offset=5 \
    --set finite_check=1 2>"$WORK/err"; then exit 1; fi
grep -q "population 'P', neuron 0: state variable 'V' is NaN in batch lane 0 (global lane 5) after step 3" "$WORK/err" ||
    { cat "$WORK/err"; exit 1; }
echo "batch: ok"
