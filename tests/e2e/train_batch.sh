#!/usr/bin/env bash
# The training loop over batch lanes (docs/run.md "Training loop", "Batches in the training
# loop"): the delta-rule readout of tests/e2e/train.sh in a batched model (network{ batch }
# from -D batch), the weight shared by the lanes, the gradient a batch_sum custom-update
# reduction and the weight step an update held once (it runs once, with the last lane),
# group Learn at batch_end.  Checked exactly (double precision) against a NumPy
# reimplementation: with B = 4 each epoch's shuffled order in batches of 4 (example
# q*4 + b of the order in lane b, the last partial batch dropped), every lane reset and fed
# its own example and label, the gradients summed in lane order, one weight step per batch;
# the test set in batches of 4 with its last 2 examples in lanes 0 and 1 (the other lanes
# not counted); metrics.csv's loss and accuracy (summed per example in lane order) and the
# saved weights.  B = 1 (the unbatched model, and the batched model run with batch: 1)
# gives the per-example results of the same reference; 1 and 2 threads identical;
# train.batch sets the lanes; evaluate_only with the saved weights loaded into a batched
# model gives the last test metrics; bad batch settings get the config file's line.
set -euo pipefail
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # ds_order.py
source tests/lib/delta.sh # delta_batch_model, delta_data, delta_batch_config
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
cd "$WORK"
delta_batch_model >m.lua
delta_data 9 6
"$SNNCC" -q m.lua -o b1
"$SNNCC" -q m.lua -D batch=4 -o b4
delta_batch_config >t.yaml
# the batch-summed gradient saved too (a batch reduction: per synapse, held once)
sed -i 's/vars: \[InOut.w\]/vars: [InOut.w, Grad.s]/' t.yaml
grep -q 'vars: \[InOut.w, Grad.s\]' t.yaml || fail "t.yaml: no save list to extend"
b4/delta --config t.yaml --output o4 --quiet --set train.save.dir=w4
b4/delta --config t.yaml --output o4t --quiet --set train.save.dir=w4t --set threads=2
b1/delta --config t.yaml --output o1 --quiet --set train.save.dir=w1
b4/delta --config t.yaml --output o41 --quiet --set train.save.dir=w41 --set batch=1
b4/delta --config t.yaml --output o41t --quiet --set train.save.dir=w41t --set train.batch=1
# train.batch sets the lanes of a batched model (2 here)
b4/delta --config t.yaml --output o42 --quiet --set train.save.dir=w42 --set train.batch=2
for d in o4t:o4 o41t:o41; do
    a=${d%%:*} b=${d##*:}
    cmp <(cut -d, -f1-5 $a/metrics.csv) <(cut -d, -f1-5 $b/metrics.csv) || fail "$a: other metrics than $b"
done
cmp w4t/InOut_w.npy w4/InOut_w.npy || fail "2 threads: other weights"
# evaluation only, the weights of epoch 3 loaded into every lane
b4/delta --quiet --output oe --set datasets.In.example_steps=12 --set train.evaluate_only=true \
    --set train.test.In=testset --set train.load=w4 --set train.metrics.output=Out.y \
    --set train.metrics.loss=Out.l
$PY - <<'PY'
import json, numpy as np
from ds_order import M, splitmix, order, load  # tests/lib/ds_order.py
C, K, L = 5, 3, 12
def example(ds, k, w):
    """one lane from its reset state: y, loss, c, target, correct"""
    t, u, off, lab = ds
    at = {}
    for s in range(off[k], off[k + 1]):
        st = max(0, int(np.floor(t[s] + 0.5)) - 1)
        at.setdefault(st, set()).add(int(u[s]))
    y, c = [0.0] * K, [0.0] * C
    for step in range(L):
        src = sorted(at.get(step - 1, ()))              # delay 1: last step's spikes
        for i in src:
            c[i] += 1.0
        for j in range(K):
            I = 0.0
            for i in src:
                I += w[i][j]
            y[j] += I
    tgt = [1.0 if lab[k] == j else 0.0 for j in range(K)]
    loss = 0.0
    for j in range(K):
        loss += (tgt[j] - y[j]) * (tgt[j] - y[j])
    best = max(range(K), key=lambda j: (y[j], -j))
    return y, loss, c, tgt, best == lab[k]
def run(B, epochs=3, etas=lambda e: [0.05, 0.025][min(e, 1)], every=2, w=None, train=True):
    tr, te = load("trainset"), load("testset")
    w = w or [[0.0] * K for _ in range(C)]
    rows = []
    global last_s
    for e in range(epochs if train else 1):
        row = [e + 1, None, None]
        if train:
            eta, o = etas(e), order(9, 11, e)
            L_, A, n = 0.0, 0, 0
            for q in range(9 // B):                    # drop_last
                lanes = [example(tr, o[q * B + b], w) for b in range(B)]
                s = [[None] * K for _ in range(C)]
                for b, (y, loss, c, tgt, ok) in enumerate(lanes):
                    L_ += loss; A += ok; n += 1
                    for i in range(C):
                        for j in range(K):
                            g = c[i] * (tgt[j] - y[j])
                            s[i][j] = g if b == 0 else s[i][j] + g   # lane order
                last_s = [list(r) for r in s]
                for i in range(C):
                    for j in range(K):
                        w[i][j] = w[i][j] + eta * s[i][j]
            row = [e + 1, L_ / n, A / n]
        if not train or (e + 1) % every == 0 or e + 1 == epochs:
            TL, TA = 0.0, 0
            for k in range(6):
                y, loss, c, tgt, ok = example(te, k, w)
                TL += loss; TA += ok
            row += [TL / 6, TA / 6]
        else:
            row += [None, None]
        rows.append(row)
    return w, rows
def check(csv, rows, wfile=None, w=None):
    got = [l.strip().split(",") for l in open(csv).read().splitlines()[1:]]
    assert len(got) == len(rows), (got, rows)
    for g, r in zip(got, rows):
        assert int(g[0]) == r[0] and g[6] == "complete", g
        for q in range(4):
            if r[q + 1] is None:
                assert g[q + 1] == "", (csv, g, r)
            else:
                assert float(g[q + 1]) == r[q + 1], (csv, q, g, r)
    if wfile:
        W = np.load(wfile)
        assert W.dtype == np.float64 and W.shape == (C * K,)
        assert (W == np.array(w).reshape(-1)).all(), (wfile, W, np.array(w).reshape(-1))
w4, r4 = run(4)
check("o4/metrics.csv", r4, "w4/InOut_w.npy", w4)
# the saved batch_sum: the last batch's summed gradient, every synapse's value (a batch
# reduction was once saved as the 8 bytes of its array's address)
G = np.load("w4/Grad_s.npy")
assert G.dtype == np.float64 and G.shape == (C * K,), (G.dtype, G.shape)
assert (G == np.array(last_s).reshape(-1)).all(), (G, last_s)
w1, r1 = run(1)
assert w1 != w4 and r1 != r4
for d in ("o1", "o41", "o41t"):
    check(f"{d}/metrics.csv", r1, f"w{d[1:]}/InOut_w.npy", w1)
w2, r2 = run(2)
check("o42/metrics.csv", r2, "w42/InOut_w.npy", w2)
_, re_ = run(4, w=[list(r) for r in np.load("w4/InOut_w.npy").reshape(C, K)], train=False)
e = open("oe/metrics.csv").read().splitlines()[1].split(",")
assert float(e[3]) == re_[0][3] == r4[-1][3] and float(e[4]) == r4[-1][4], (e, r4[-1])
j = json.load(open("o4/run.json"))["training"]
assert j["batch"] == 4 and j["saved_epoch"] == 3, j
assert json.load(open("o42/run.json"))["training"]["batch"] == 2
print("B = 4: train loss", [r[1] for r in r4], "test accuracy", r4[-1][4])
PY
ok "batch 4 (and 2 by train.batch): weights and metrics exact against NumPy (batch_sum gradient, drop_last, partial test batch); batch 1 = unbatched = the per-example reference; 1 = 2 threads; evaluate_only loads every lane"

# --- bad batch settings: the config file's line ---------------------------------------------
fails() { # expected-message binary args...
    local want=$1 bin=$2
    shift 2
    if "$bin" --quiet --output obad "$@" 2>err >/dev/null; then fail "accepted: $*"; fi
    grep -qF -- "$want" err || { echo "FAIL: want '$want', got:"; cat err; exit 1; }
}
printf 'train:\n  train: { In: trainset }\n  batch: 2\n' >u.yaml
fails "u.yaml:3: 'batch' 2 needs a batched model: model 'delta' has no network{ batch = B }" b1/delta --config u.yaml
printf 'train:\n  train: { In: trainset }\n  batch: 2\nbatch: 3\n' >x.yaml
fails "x.yaml:3: 'train.batch' 2 and 'batch' 3 (x.yaml:4) differ: give one of them" b4/delta --config x.yaml
printf 'train:\n  train: { In: trainset }\n  batch: 10\n' >bt.yaml
fails "bt.yaml:3: 'batch' 10 is larger than the training set (9 examples in trainset)" b4/delta --config bt.yaml
ok "bad batch settings: train.batch on an unbatched model, train.batch against batch, a batch larger than the training set"
