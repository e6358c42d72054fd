#!/usr/bin/env bash
# Custom updates (custom_update{}, docs/language.md "Custom updates"): code run over the
# neurons of a population or the synapses of a projection when its group is due, after the
# step's synapse dynamics.
#   1. a softmax over a population as three custom updates (max, sum of exp(V - max), then
#      pi = exp(V - max) / sum written into a neuron variable with ref_rw): in a double
#      model exactly the same formula evaluated in neuron order with libm's exp, and within
#      1e-15 relative (5 ulp) of NumPy's softmax (np.exp and np.sum round differently); in a float
#      model within 2e-6 relative of NumPy's float64 softmax of the recorded V;
#   2. the sum reduction bitwise the same for 1, 2, 3 threads and 1, 2 MPI ranks (1001
#      neurons, double: a sum in another order, e.g. per rank first, gives other bits,
#      which the test checks of its own data);
#   3. a synapse custom update w = w + eta * g; g = 0 every 10 steps, eta a runtime
#      parameter set with --set, g accumulated by synapse dynamics, against the same
#      operations in Python; the run config's custom_updates changing the schedule
#      (every: 5, then every: 0 with at_end: true); threads and ranks give the same synapses;
#      a neuron custom update with its own per-neuron variable, id and t.
set -euo pipefail
source tests/lib/mpi.sh

# --- 1. softmax ----------------------------------------------------------------------------
softmax_model() { # name precision size
    cat <<EOF
network { name = "$1", dt = 1.0, seed = 3, precision = "$2" }
local wave = neuron { name = "wave", vars = { V = 0.0, pi = 0.0 },
  sim = "V = 6.0 * sin(0.37 * id + 0.11 * t) + 0.001 * id;" }
local Out = population { "Out", wave, $3 }
custom_update { name = "SoftmaxMax", group = "Softmax",
  vars = { M = { reduce = "max" } },
  var_refs = { V = ref("Out", "V") },
  code = "M = V;" }
custom_update { name = "SoftmaxSum", group = "Softmax",
  vars = { S = { reduce = "sum" } },
  var_refs = { V = ref("Out", "V"), M = ref("SoftmaxMax", "M") },
  code = "S = exp(V - M);" }
custom_update { name = "SoftmaxOut", group = "Softmax", every = 1,
  var_refs = { V = ref(Out, "V"), M = ref("SoftmaxMax", "M"), S = ref("SoftmaxSum", "S"),
               pi = ref_rw(Out, "pi") },
  code = "pi = exp(V - M) / S;" }
record { Out = { "V", "pi" } }
EOF
}
softmax_model smx double 10 >"$WORK/smx.lua"
softmax_model smxf float 10 >"$WORK/smxf.lua"
for m in smx smxf; do
    "$SNNCC" -q "$WORK/$m.lua" -o "$WORK/$m"
    "$WORK/$m/$m" --time 30 --quiet --output "$WORK/${m}_out"
done
$PY - "$WORK/smx_out" "$WORK/smxf_out" <<'PY'
import math, sys
import numpy as np
for out, exact in ((sys.argv[1], True), (sys.argv[2], False)):
    V = np.load(f"{out}/Out_V.npy")["v"]
    P = np.load(f"{out}/Out_pi.npy")["v"]
    assert len(V) == len(P) == 30
    # pi is recorded with the step's neuron state, before the step's custom updates: the
    # softmax of the previous step's V
    assert (P[0] == 0).all(), P[0]
    worst = 0.0
    for s in range(1, 30):
        x = V[s - 1].astype(np.float64)
        ref = np.exp(x - x.max())
        ref /= ref.sum()
        rel = np.max(np.abs(P[s] - ref) / ref)
        worst = max(worst, rel)
        if exact:
            m = max(x)
            S = 0.0
            for v in x:  # in neuron order
                S += math.exp(v - m)
            want = np.array([math.exp(v - m) / S for v in x])
            assert (P[s] == want).all(), (s, P[s] - want)
            assert rel <= 1e-15, (s, rel)
        else:
            assert rel <= 2e-6, (s, rel)
        assert abs(P[s].astype(np.float64).sum() - 1.0) <= (1e-15 if exact else 1e-6)
    print(f"{out}: softmax worst relative difference from NumPy {worst:.2e}")
PY
ok "softmax: exact in double (neuron order, libm exp), NumPy's within 1e-15 (double) / 2e-6 (float)"

# --- 2. the sum reduction bitwise for any decomposition ---------------------------------------
softmax_model big double 1001 >"$WORK/big.lua"
"$SNNCC" -q "$WORK/big.lua" -o "$WORK/big"
"$SNNCC" -q --mpi "$WORK/big.lua" -o "$WORK/bigm"
for t in 1 2 3; do
    "$WORK/big/big" --time 20 --quiet --set threads=$t --output "$WORK/big_t$t" 2>/dev/null
done
for r in 1 2; do
    "${MPIRUN[@]}" -np $r "$WORK/bigm/big" --time 20 --quiet --output "$WORK/big_r$r" 2>/dev/null
done
for d in big_t2 big_t3 big_r1 big_r2; do
    cmp -s "$WORK/big_t1/Out_pi.npy" "$WORK/$d/Out_pi.npy" || fail "softmax of 1001 neurons: $d differs from 1 thread"
done
# the data is sensitive to the order: the sum per rank first (2 ranks: neurons 0-500 and
# 501-1000) differs from the sum in neuron order in some step
$PY - "$WORK/big_t1" <<'PY'
import math, sys
import numpy as np
V = np.load(f"{sys.argv[1]}/Out_V.npy")["v"]
differ = 0
for x in V:
    m = max(x)
    t = [math.exp(v - m) for v in x]
    seq = 0.0
    for v in t:
        seq += v
    a = b = 0.0
    for v in t[:501]:
        a += v
    for v in t[501:]:
        b += v
    differ += seq != a + b
assert differ > 0, "the test data does not tell the orders apart"
print(f"{differ} of {len(V)} steps: a per-rank sum gives other bits")
PY
ok "sum reduction: bitwise the same for 1, 2, 3 threads and 1, 2 MPI ranks"

# --- 3. a synapse custom update -----------------------------------------------------------------
cat >"$WORK/learn.lua" <<'EOF'
network { name = "learn", dt = 1.0, seed = 5, precision = "double" }
local src = neuron { name = "src", vars = { z = 0.0 }, sim = "z = 0.0;" }
local acc = neuron { name = "acc", vars = { V = 0.0 }, sim = "V += Isyn;" }
local gsyn = synapse { name = "gsyn", vars = { w = 0.5, g = 0.0 },
  dynamics = "g += 0.01 * (id_pre + 1.0) + 0.001 * id_post;" }
local S = population { "S", src, 2 }
local P = population { "P", acc, 3 }
projection { S, P, name = "SP", conn = all_to_all(), synapse = gsyn, delay = 1.0 }
custom_update { name = "Learn", group = "Learn", params = { eta = 0.1 }, runtime = { "eta" },
  var_refs = { w = ref_rw("SP", "w"), g = ref_rw("SP", "g") },
  code = [[
    w = w + eta * g;
    g = 0.0;
  ]], every = 10 }
custom_update { name = "Tick", group = "Tick", vars = { n = 0.0 },
  var_refs = { V = ref_rw("P", "V") },
  code = "n += 1.0; V = n + 0.001 * id + t;", every = 3 }
record { SP = { "w", "g" }, P = "V" }
EOF
"$SNNCC" -q "$WORK/learn.lua" -o "$WORK/learn"
"$SNNCC" -q --mpi "$WORK/learn.lua" -o "$WORK/learnm"
"$WORK/learn/learn" --time 35 --quiet --set params.Learn.eta=0.5 --output "$WORK/l10"
printf 'custom_updates:\n  Learn: { every: 5 }\nparams: { Learn.eta: 0.25 }\n' >"$WORK/every5.yaml"
"$WORK/learn/learn" --time 35 --quiet --config "$WORK/every5.yaml" --output "$WORK/l5"
"$WORK/learn/learn" --time 35 --quiet --set custom_updates.Learn.every=0 \
    --set custom_updates.Learn.at_end=true --output "$WORK/lend"
"$WORK/learn/learn" --time 35 --quiet --set params.Learn.eta=0.5 --set threads=2 \
    --output "$WORK/l10_t2" 2>/dev/null
"${MPIRUN[@]}" -np 2 "$WORK/learnm/learn" --time 35 --quiet --set params.Learn.eta=0.5 \
    --output "$WORK/l10_r2" 2>/dev/null
$PY - "$WORK" <<'PY'
import json, sys
import numpy as np
work = sys.argv[1]
def expect(out, eta, every, at_end, steps=35):
    w = {(i, j): 0.5 for i in range(2) for j in range(3)}
    g = {k: 0.0 for k in w}
    for s in range(steps):
        for (i, j) in w:
            g[i, j] += 0.01 * (i + 1.0) + 0.001 * j
        if (every and (s + 1) % every == 0) or (at_end and s + 1 == steps):
            for k in w:
                w[k] = w[k] + eta * g[k]
                g[k] = 0.0
    for name, want in (("w", w), ("g", g)):
        r = np.load(f"{work}/{out}/SP_{name}.npy")
        assert len(r) == 6, r
        for x in r:
            assert x["v"] == want[x["pre"], x["post"]], (out, name, x, want[x["pre"], x["post"]])
    rj = json.load(open(f"{work}/{out}/run.json"))
    assert rj["runtime_params"]["Learn.eta"] == eta, rj["runtime_params"]
# Tick (every 3 steps, after steps 2, 5, ...): its own per-neuron counter n, id, and t at
# the end of the step; P's V (no input) keeps what it wrote, recorded from the next step on
V = np.load(f"{work}/l10/P_V.npy")["v"]
for s in range(35):
    runs = s // 3  # Tick runs before step s: after steps 2, 5, ..., i.e. s // 3 times
    last = 3 * runs  # t = (step + 1) dt of its last run
    want = [0.0] * 3 if runs == 0 else [runs + 0.001 * i + last for i in range(3)]
    assert list(V[s]) == want, (s, V[s], want)
expect("l10", 0.5, 10, False)
expect("l5", 0.25, 5, False)
expect("lend", 0.1, 0, True)
expect("l10_t2", 0.5, 10, False)
expect("l10_r2", 0.5, 10, False)
print("w, g exact: every 10 (eta 0.5 from --set), every 5 (run config), at_end only; 2 threads, 2 ranks")
PY
ok "synapse custom update: w += eta g; g = 0 against the same operations in Python, schedules from the model and the run config"

# an unknown group in the run config: the config's line and a did-you-mean
printf 'duration: 5\ncustom_updates:\n  Lean: { every: 2 }\n' >"$WORK/bad.yaml"
if "$WORK/learn/learn" --quiet --config "$WORK/bad.yaml" --output "$WORK/bad" 2>"$WORK/bad.err"; then
    fail "an unknown custom-update group was accepted"
fi
grep -qF "bad.yaml:3: unknown custom-update group 'Lean' in 'custom_updates' (did you mean 'Learn'? groups: Learn, Tick)" "$WORK/bad.err" \
    || { cat "$WORK/bad.err"; fail "message for an unknown group"; }
ok "an unknown group in the run config names its line"

# the state table lists the custom updates' state and every declaration of the generated C
# has an entry (tests/lib/state_decls.py, as tests/e2e/state_table.sh for other models)
for m in smx learn; do
    "$SNNCC" --state "$WORK/$m.lua" >"$WORK/$m.tsv"
    "$SNNCC" -q -S -o "$WORK/src-$m" "$WORK/$m.lua"
    $PY tests/lib/state_decls.py "$WORK/src-$m"/*.c "$WORK/$m.tsv"
done
grep -qP '^snn_cuv_SoftmaxSum_S\tscalar\tvalue\tcustom_update:SoftmaxSum\tcu-var\tinitial\tstored\tdevice\t' "$WORK/smx.tsv"
grep -qP '^snn_rpu_Learn_eta\tdouble\tvalue\tcustom_update:Learn\trparam\tvalue\tstored\tdevice\t' "$WORK/learn.tsv"
ok "state table: the custom updates' variables and runtime parameters, every declaration listed"
