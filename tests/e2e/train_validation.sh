#!/usr/bin/env bash
# The validation split of the training loop (train.validation, docs/run.md "Validation
# split"; issue 15): the delta-rule readout of train.sh on 20 training examples, a quarter
# held out.  The held-out examples (validation.npy) equal a NumPy reimplementation of the
# documented stratified SplitMix64 draw; the weights and every metrics.csv row (train, test
# and the new validation columns) are exact against NumPy training on the other 15 only,
# so no held-out example is ever trained on; the split is the same for 1 and 2 threads, 2
# MPI ranks and batch 2 (validation.npy bitwise; metrics too where the training is the
# same); an evaluate_only run on exactly the held-out examples with the saved weights
# gives the last validation loss and accuracy bitwise; the progress line shows the
# validation phase; checkpoints in a training batch, in the validation and in the test
# evaluation restore to the uninterrupted run, and a restore with another split is
# refused; bad values get the config line.
set -euo pipefail
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # ds_order.py
source tests/lib/delta.sh # delta_model, delta_batch_model, delta_data, delta_config
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
ROOT=$PWD
cd "$WORK"
delta_model >m.lua
delta_batch_model >m2.lua
delta_data 20 6
"$SNNCC" -q m.lua -o b
"$SNNCC" -q m2.lua -D batch=2 -o b2
delta_config | sed 's/^  seed: 11$/  seed: 11\n  validation: { fraction: 0.25 }/' >v.yaml
grep -q 'validation: { fraction: 0.25 }' v.yaml || fail "config not made"
b/delta --config v.yaml --output o --quiet
b/delta --config v.yaml --output o2 --quiet --set threads=2 --set train.save.dir=w2
vals() { cut -d, -f1-7 "$1"; } # the metrics without wall_s, status
cmp <(vals o/metrics.csv) <(vals o2/metrics.csv) || fail "2 threads: other metrics"
cmp o/validation.npy o2/validation.npy || fail "2 threads: another split"
cmp w/InOut_w.npy w2/InOut_w.npy || fail "2 threads: other weights"
# batch 2 (batched model): the same held-out examples
delta_batch_config | sed 's/^  seed: 11$/  seed: 11\n  validation: { fraction: 0.25 }/' >v2.yaml
b2/delta --config v2.yaml --output ob2 --quiet --set train.save.dir=wb2
cmp o/validation.npy ob2/validation.npy || fail "batch 2: another split"
# a fixed count, another seed
b/delta --config v.yaml --output oc --quiet --set train.validation.count=7 \
    --set train.validation.seed=5 --set train.save.dir=wc
$PY - <<'PY'
import json, numpy as np
from ds_order import M, splitmix, order, load  # tests/lib/ds_order.py
def split(lab, count, seed):
    """docs/run.md "Validation split": stratified, SplitMix64 from seed ^ "VALIDATE" """
    n = len(lab)
    classes = sorted(set(int(x) for x in lab))
    members = {c: [i for i in range(n) if lab[i] == c] for c in classes}
    share = {c: count * len(members[c]) // n for c in classes}
    rem = {c: count * len(members[c]) % n for c in classes}
    for c in sorted(classes, key=lambda c: (-rem[c], c))[:count - sum(share.values())]:
        share[c] += 1
    x = seed ^ int.from_bytes(b"VALIDATE", "big")
    held = []
    for c in classes:
        o = list(members[c])
        for k in range(len(o) - 1, 0, -1):
            x, r = splitmix(x)
            j = r % (k + 1)
            o[k], o[j] = o[j], o[k]
        held += o[:share[c]]
    return sorted(held)
tr, te = load("trainset"), load("testset")
lab = [int(x) for x in tr[3]]
V = split(lab, 5, 11)
got = np.load("o/validation.npy")
assert got.dtype == np.uint32 and list(got) == V, (got, V)
assert list(np.load("oc/validation.npy")) == split(lab, 7, 5), np.load("oc/validation.npy")
# stratified: each class's share within one of 5/20 of its size
for c in set(lab):
    nc, vc = lab.count(c), sum(lab[i] == c for i in V)
    assert abs(vc - 5 * nc / 20) < 1, (c, nc, vc)
T = [i for i in range(20) if i not in V]
C, K, L = 5, 3, 12
def example(ds, k, w):
    t, u, off, lb = ds
    at = {}
    for s in range(off[k], off[k + 1]):
        st = max(0, int(np.floor(t[s] + 0.5)) - 1)
        at.setdefault(st, set()).add(int(u[s]))
    y, c = [0.0] * K, [0.0] * C
    for step in range(L):
        src = sorted(at.get(step - 1, ()))
        for i in src:
            c[i] += 1.0
        for j in range(K):
            I = 0.0
            for i in src:
                I += w[i][j]
            y[j] += I
    tgt = [1.0 if lb[k] == j else 0.0 for j in range(K)]
    loss = 0.0
    for j in range(K):
        loss += (tgt[j] - y[j]) * (tgt[j] - y[j])
    best = max(range(K), key=lambda j: (y[j], -j))
    return y, loss, c, tgt, best == lb[k]
def evaluate(ds, ks, w):
    TL, TA = 0.0, 0
    for k in ks:
        y, loss, c, tgt, ok = example(ds, k, w)
        TL += loss; TA += ok
    return [TL / len(ks), TA / len(ks)]
w = [[0.0] * K for _ in range(C)]
rows = []
for e in range(3):
    eta = [0.05, 0.025][min(e, 1)]
    L_, A = 0.0, 0
    for q in order(15, 11, e):          # the shuffle of the 15 trained examples
        k = T[q]
        y, loss, c, tgt, ok = example(tr, k, w)
        L_ += loss; A += ok
        for i in range(C):
            for j in range(K):
                w[i][j] = w[i][j] + eta * (c[i] * (tgt[j] - y[j]))
    row = [e + 1, L_ / 15, A / 15]
    if e + 1 in (2, 3):
        row += evaluate(te, range(6), w) + evaluate(tr, V, w)
    else:
        row += [None] * 4
    rows.append(row)
lines = open("o/metrics.csv").read().splitlines()
assert lines[0] == "epoch,train_loss,train_accuracy,test_loss,test_accuracy,validation_loss,validation_accuracy,wall_s,status", lines[0]
got = [l.split(",") for l in lines[1:]]
assert len(got) == 3, got
for g, r in zip(got, rows):
    assert int(g[0]) == r[0] and g[8] == "complete", g
    for q in range(6):
        assert (g[q + 1] == "") if r[q + 1] is None else float(g[q + 1]) == r[q + 1], (q, g, r)
W = np.load("w/InOut_w.npy")
assert (W == np.array(w).reshape(-1)).all(), (W, w)
assert rows[-1][6] > 0.5, rows                                   # it learns something
# the groups' runs: batch_end once per trained example, never for a held-out one
assert (np.load("w/CBt_n.npy") == 3 * 15).all(), np.load("w/CBt_n.npy")
j = json.load(open("o/run.json"))["training"]
assert j["train_examples"] == 15 and j["validation"] == {"examples": 5, "of": 20, "seed": 11,
    "stratified": True, "file": "validation.npy"}, j
assert j["metrics"][2]["validation_accuracy"] == rows[2][6] and j["metrics"][0]["validation_loss"] is None, j
# the held-out examples as a test set of their own: evaluate_only with the saved weights
import os
os.makedirs("valset", exist_ok=True)
t, u, off, lb = tr
ts, us, offs = [], [], [0]
for k in V:
    ts += list(t[off[k]:off[k + 1]]); us += list(u[off[k]:off[k + 1]]); offs.append(offs[-1] + off[k + 1] - off[k])
np.save("valset/times.npy", np.array(ts)); np.save("valset/units.npy", np.array(us, dtype=np.int32))
np.save("valset/offsets.npy", np.array(offs, dtype=np.int64)); np.save("valset/labels.npy", lb[V])
print("split, weights and metrics exact; validation accuracy", rows[-1][6])
PY
ok "validation split = NumPy's stratified draw (fraction, count, seed); training on the rest only: weights and metrics exact; 1 = 2 threads; batch 2: the same split"
b/delta --quiet --output oe --set datasets.In.example_steps=12 --set train.evaluate_only=true \
    --set train.test.In=valset --set train.load=w --set train.metrics.output=Out.y \
    --set train.metrics.loss=Out.l
[ "$(sed -n 2p oe/metrics.csv | cut -d, -f4-5)" = "$(sed -n 4p o/metrics.csv | cut -d, -f6-7)" ] ||
    fail "evaluate_only on the held-out examples: $(sed -n 2p oe/metrics.csv) vs $(sed -n 4p o/metrics.csv)"
ok "evaluate_only on exactly the held-out examples with the saved weights = the last validation loss and accuracy"
SNN_PROGRESS=1 b/delta --config v.yaml --output op --set train.save.dir=wp >/dev/null 2>prog.txt
grep -qF "epoch 3/3 validation [####################] 5/5" prog.txt || { cat prog.txt; fail "progress line"; }
cmp <(vals o/metrics.csv) <(vals op/metrics.csv) || fail "progress: other metrics"
ok "the progress line's validation phase"

# --- checkpoints: 67 positions of 12 steps; epoch 3 trains at steps 492..671, validates at
# 672..731, tests at 732..803 ---------------------------------------------------------------
for k in 500 700 750; do
    b/delta --config v.yaml --output c$k.a --quiet --set train.save.dir=c$k.a/w \
        --set checkpoint.dir=c$k.ck --set checkpoint.every_steps=$k
    b/delta --config v.yaml --output c$k.b --quiet --set train.save.dir=c$k.b/w \
        --restore c$k.ck --set threads=2
    cmp <(vals o/metrics.csv) <(vals c$k.b/metrics.csv) || fail "restored at step $k: other metrics"
    cmp w/InOut_w.npy c$k.b/w/InOut_w.npy || fail "restored at step $k: other weights"
    cmp o/validation.npy c$k.b/validation.npy || fail "restored at step $k: another split"
done
st=0
b/delta --config v.yaml --output cbad --quiet --restore c700.ck --set train.validation.count=6 \
    >cbad.txt 2>&1 || st=$?
[ $st -ne 0 ] && grep -qF "the checkpoint's validation split (5 examples, seed 11) is not this run's (6 examples, seed 11)" cbad.txt ||
    { cat cbad.txt; fail "a restore with another split accepted"; }
ok "checkpoints in training (step 500), validation (700) and test (750) restored = uninterrupted; another split refused"

# --- 2 MPI ranks: the same split and metrics --------------------------------------------
cd "$ROOT"
source tests/lib/mpi.sh
cd "$WORK"
"$SNNCC" -q --mpi m.lua -o bm
"${MPIRUN[@]}" -np 2 bm/delta --config v.yaml --output om --quiet --set train.save.dir=wm 2>/dev/null
cmp <(vals o/metrics.csv) <(vals om/metrics.csv) || fail "2 ranks: other metrics"
cmp o/validation.npy om/validation.npy || fail "2 ranks: another split"
cmp w/InOut_w.npy wm/InOut_w.npy || fail "2 ranks: other weights"
ok "2 MPI ranks: the same split, metrics and weights"

# --- bad input: the config file's line --------------------------------------------------
fails() { # sim expected-message args...
    local sim=$1 want=$2
    shift 2
    if $sim --quiet --output obad "$@" 2>err >/dev/null; then fail "accepted: $*"; fi
    grep -qF -- "$want" err || { echo "FAIL: want '$want', got:"; cat err; exit 1; }
}
v() { printf 'train:\n  train: { In: trainset }\n  validation: %s\n' "$1" >bad.yaml; }
v '{ fraction: 1.5 }'
fails b/delta "bad.yaml:3: 'train.validation.fraction' must be a number between 0 and 1, both excluded (the held-out part of the training set; got '1.5')" --config bad.yaml
v '{ fraction: 0 }'
fails b/delta "bad.yaml:3: 'train.validation.fraction' must be a number between 0 and 1" --config bad.yaml
v '{ fraction: 0.01 }'
fails b/delta "bad.yaml:3: 'train.validation.fraction' 0.01 of the training set (20 examples in trainset) holds out 0: none; give a larger fraction" --config bad.yaml
v '{ count: 20 }'
fails b/delta "bad.yaml:3: 'train.validation.count' 20 must be smaller than the training set (20 examples in trainset)" --config bad.yaml
v '{ count: 17 }'
fails b2/delta "bad.yaml:3: 'train.validation' holds out 17 of the 20 training examples, leaving 3, fewer than 'batch' 4" --config bad.yaml --set train.batch=4
v '{ count: 2, fraction: 0.5 }'
fails b/delta "bad.yaml:3: 'train.validation': give 'fraction' or 'count', not both" --config bad.yaml
v '{ cont: 2 }'
fails b/delta "bad.yaml:3: 'train.validation': unknown key 'cont' (keys: fraction, count, seed)" --config bad.yaml
printf 'train:\n  test: { In: testset }\n  evaluate_only: true\n  validation: { count: 2 }\n' >bad.yaml
fails b/delta "bad.yaml:4: 'train.validation' holds out a part of the training set: it needs training" --config bad.yaml
ok "bad validation configs: fraction outside (0,1) or holding out none, count >= the training set, fewer left than the batch, both keys, unknown key, evaluate_only"
