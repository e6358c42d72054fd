#!/usr/bin/env bash
# Checkpoints cover the learning machinery's state (issue 13 x issue 16: "whichever lands
# second adds the test"): custom-update variables (per neuron, per synapse and reduced),
# synapse variables written by custom updates, add_to_pre's input read in the next step.
# A run of 2T steps against a run of T steps that checkpoints at its end, then --restore
# to 2T: the state recordings concatenated and the final synapse values bitwise the same;
# 1 and 2 threads, 2 MPI ranks; a checkpoint in the middle of the custom updates'
# periods; restored on another number of ranks (2 -> 1, 1 -> 3). A model without a stored
# entry fails this test (checked by hand: with the custom update's momentum 'm' marked
# rebuilt in compiler/state.c the restored w differ).
set -euo pipefail
source tests/lib/mpi.sh

cat >"$WORK/ckl.lua" <<'LUA'
network { name = "ckl", dt = 0.1, seed = 7, precision = "double" }
local src = neuron { name = "src", vars = { V = 0.0, E = 0.0 }, inputs = { "Efb" },
                     sim = "V = uniform(); E = Efb;", threshold = "V < 0.3", reset = "" }
local integ = neuron { name = "integ", vars = { V = 0.0 },
                       sim = "V += 0.05 * Isyn - 0.01 * V;" }
local gsyn = synapse { name = "gsyn", vars = { w = 0.5, g = 0.0 },
  on_pre = "add_to_post(w);",
  dynamics = "g += 0.01 * V_post - 0.001 * w; add_to_pre(0.1 * w * V_post);" }
local S = population { "S", src, 12 }
local P = population { "P", integ, 9 }
projection { S, P, name = "SP", conn = fixed_probability(0.5), synapse = gsyn,
             weight = uniform(0.0, 1.0), pre_input = "Efb" }
custom_update { name = "Learn", group = "Learn", params = { eta = 0.05 }, runtime = { "eta" },
  vars = { m = 0.0 },
  var_refs = { w = ref_rw("SP", "w"), g = ref_rw("SP", "g") },
  code = "m = 0.9 * m + g; w = w + eta * m; g = 0.0;", every = 10 }
custom_update { name = "Norm", group = "Norm", vars = { T = { reduce = "sum" } },
  var_refs = { V = ref("P", "V") }, code = "T = V;", every = 7 }
custom_update { name = "Shift", group = "Norm", vars = { n = 0.0 },
  var_refs = { V = ref_rw("P", "V"), T = ref("Norm", "T") },
  code = "n += 1.0; V = V - 0.001 * T + 0.0001 * n;", every = 7 }
record { P = "V", S = "E", SP = { "w", "g" } }
LUA
"$SNNCC" -q "$WORK/ckl.lua" -o "$WORK/b"
"$SNNCC" -q --mpi "$WORK/ckl.lua" -o "$WORK/bm"
sim="$WORK/b/ckl"

# same FULL FIRST SECOND: FIRST's state recordings followed by SECOND's equal FULL's, and
# SECOND's final synapse values equal FULL's, bitwise
same() {
    $PY - "$@" <<'PY'
import os, sys
import numpy as np
full, first, second = sys.argv[1:4]
def load(d, f):
    p = f"{d}/{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
for f in ["P_V.npy", "S_E.npy"]:
    x = load(full, f)
    y = np.concatenate([load(first, f), load(second, f)])
    assert len(x) == len(y) and x.tobytes() == y.tobytes(), f"{f}: {len(x)} vs {len(y)} records differ"
for f in ["SP_w.npy", "SP_g.npy"]:
    x, y = load(full, f), load(second, f)
    assert x.tobytes() == y.tobytes(), f"{f}: final synapse values differ"
E = load(full, "S_E.npy")["v"]
assert np.any(E != 0.0), "add_to_pre never reached the sources: the test would be weak"
PY
}

"$sim" --time 30 --quiet --output "$WORK/full" --set params.Learn.eta=0.1
for t in 1 2; do
    "$sim" --time 15 --quiet --output "$WORK/a_t$t" --set threads=$t --set params.Learn.eta=0.1 \
        --set checkpoint.dir="$WORK/ck_t$t" --set checkpoint.at_end=true
    "$sim" --time 30 --quiet --output "$WORK/b_t$t" --set threads=$t --restore "$WORK/ck_t$t"
    same "$WORK/full" "$WORK/a_t$t" "$WORK/b_t$t" || fail "threads=$t: restored run differs"
done
ok "custom-update variables, synapse variables and add_to_pre inputs restored bitwise (1, 2 threads)"

"${MPIRUN[@]}" -np 2 "$WORK/bm/ckl" --time 15 --quiet --output "$WORK/a_r2" \
    --set params.Learn.eta=0.1 --set checkpoint.dir="$WORK/ck_r2" --set checkpoint.at_end=true \
    2>/dev/null
"${MPIRUN[@]}" -np 2 "$WORK/bm/ckl" --time 30 --quiet --output "$WORK/b_r2" \
    --restore "$WORK/ck_r2" 2>/dev/null
same "$WORK/full" "$WORK/a_r2" "$WORK/b_r2" || fail "2 ranks: restored run differs"
ok "the same on 2 MPI ranks"

# mid-period: a checkpoint after step 153 (Learn runs every 10 steps, Norm every 7: both in
# the middle of a period; the accumulator g and the counter n carry over)
"$sim" --time 15.3 --quiet --output "$WORK/a_mid" --set params.Learn.eta=0.1 \
    --set checkpoint.dir="$WORK/ck_mid" --set checkpoint.at_end=true
grep -q '"step": 153,' "$WORK/ck_mid/manifest.json" || fail "mid-period: $(grep '"step"' "$WORK/ck_mid/manifest.json")"
"$sim" --time 30 --quiet --output "$WORK/b_mid" --restore "$WORK/ck_mid"
same "$WORK/full" "$WORK/a_mid" "$WORK/b_mid" || fail "mid-period: restored run differs"
ok "restored in the middle of the custom updates' periods (step 153): bitwise"

# another number of ranks (re-partitioned: per-neuron custom-update variables and add_to_pre
# sums by neuron, synapse variables by (source, target), the reductions every rank holds)
"${MPIRUN[@]}" -np 1 "$WORK/bm/ckl" --time 15 --quiet --output "$WORK/a_r1" \
    --set params.Learn.eta=0.1 --set checkpoint.dir="$WORK/ck_r1" --set checkpoint.at_end=true
"$sim" --time 30 --quiet --output "$WORK/b_r2to1" --restore "$WORK/ck_r2"
same "$WORK/full" "$WORK/a_r2" "$WORK/b_r2to1" || fail "2 ranks -> 1: restored run differs"
"${MPIRUN[@]}" -np 3 "$WORK/bm/ckl" --time 30 --quiet --output "$WORK/b_r1to3" \
    --restore "$WORK/ck_r1" 2>/dev/null
same "$WORK/full" "$WORK/a_r1" "$WORK/b_r1to3" || fail "1 rank -> 3: restored run differs"
ok "restored on another number of ranks (2 -> 1, 1 -> 3): bitwise"
