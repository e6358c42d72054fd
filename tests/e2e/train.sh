#!/usr/bin/env bash
# The training loop (run config train:, docs/run.md "Training loop"): a delta-rule readout
# learns a 3-class spike-pattern data set written here in the NumPy layout.  Checked
# exactly (double precision) against a NumPy reimplementation of the same operations in
# the same order: the shuffled order per epoch (SplitMix64 Fisher-Yates of docs/run.md),
# the state reset at every example (and reset: none, state carried over), the custom-update
# group at example_end, a learning-rate schedule per epoch (list) and a step decay, the
# saved weights after 3 epochs, the train and test loss and accuracy of every metrics.csv
# row and of run.json (evaluation every 2 epochs and after the last); evaluate_only with the
# saved weights loaded gives the last test metrics; the groups at batch_end, epoch_end,
# every_steps run as often as they should (training groups never while evaluating, other
# groups always); 1 and 2 threads and 1 and 2 MPI ranks identical; a stop by SIGTERM leaves
# complete rows and one marked interrupted; bad configs get the config file's line.
set -euo pipefail
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # ds_order.py
source tests/lib/delta.sh # delta_model, delta_data, delta_config
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
cd "$WORK"
delta_model >m.lua
delta_data 9 6
"$SNNCC" -q m.lua -o b
delta_config >t.yaml
b/delta --config t.yaml --output o --quiet
b/delta --config t.yaml --output o2 --quiet --set threads=2 --set train.save.dir=w2
cmp o/metrics.csv o2/metrics.csv >/dev/null || true   # wall_s differs: compare the values
sed 's/,[0-9.]*,complete$//' o/metrics.csv >a.csv
sed 's/,[0-9.]*,complete$//' o2/metrics.csv >b2.csv
cmp a.csv b2.csv || fail "2 threads: other metrics"
cmp w/InOut_w.npy w2/InOut_w.npy || fail "2 threads: other weights"
# step decay: eta = 0.05 * 0.5^floor(epoch / 2)
cat >d.yaml <<'EOF'
train:
  epochs: 3
  train: { In: trainset }
  seed: 11
  groups: { example_end: [Learn] }
  schedule:
    Delta.eta: { factor: 0.5, every: 2 }
  metrics: { output: Out.y, loss: Out.l }
  save: { dir: wd, vars: [InOut.w] }
datasets: { In: { example_steps: 12 } }
EOF
b/delta --config d.yaml --output od --quiet
# reset: none, a smaller constant eta (params), every epoch evaluated
grep -v schedule t.yaml >n.yaml
b/delta --config n.yaml --output on --quiet --set train.reset=none --set train.save.dir=wn \
    --set train.evaluate_every=1 --set params.Delta.eta=0.001
# evaluation only, with the weights of epoch 3 loaded
b/delta --quiet --output oe --set datasets.In.example_steps=12 --set train.evaluate_only=true \
    --set train.test.In=testset --set train.load=w --set train.metrics.output=Out.y \
    --set train.metrics.loss=Out.l
$PY - <<'PY'
import json, numpy as np
from ds_order import M, splitmix, order, load  # tests/lib/ds_order.py
C, K, L = 5, 3, 12
S = {"y": [0.0] * 3, "c": [0.0] * 5, "reset": True}   # the state between examples
def example(ds, k, w):
    """y, loss, c after the example (the simulator's operations in its order)"""
    t, u, off, lab = ds
    at = {}
    for s in range(off[k], off[k + 1]):
        st = max(0, int(np.floor(t[s] + 0.5)) - 1)
        at.setdefault(st, set()).add(int(u[s]))      # several spikes of a channel: one
    if S["reset"]:
        S["y"], S["c"] = [0.0] * K, [0.0] * C
    y, c = S["y"], S["c"]
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
def run(epochs, etas, evaluate_every, test=True, reset=True):
    S["reset"] = reset
    S["y"], S["c"] = [0.0] * K, [0.0] * C
    tr, te = load("trainset"), load("testset")
    w = [[0.0] * K for _ in range(C)]
    rows = []
    for e in range(epochs):
        eta = etas(e)
        L_, A = 0.0, 0
        for k in order(9, 11, e):
            y, loss, c, tgt, ok = example(tr, k, w)
            L_ += loss; A += ok
            for i in range(C):
                for j in range(K):
                    g = c[i] * (tgt[j] - y[j])
                    w[i][j] = w[i][j] + eta * g
        row = [e + 1, L_ / 9, A / 9]
        if test and ((e + 1) % evaluate_every == 0 or e + 1 == epochs):
            TL, TA = 0.0, 0
            for k in range(6):
                y, loss, c, tgt, ok = example(te, k, w)
                TL += loss; TA += ok
            row += [TL / 6, TA / 6]
        else:
            row += [None, None]
        rows.append(row)
    return w, rows
def check(csv, rows, wfile, w):
    got = [l.strip().split(",") for l in open(csv).read().splitlines()[1:]]
    assert len(got) == len(rows), (got, rows)
    for g, r in zip(got, rows):
        assert int(g[0]) == r[0] and g[6] == "complete", g
        for q in range(4):
            if r[q + 1] is None:
                assert g[q + 1] == "", (g, r)
            else:
                assert float(g[q + 1]) == r[q + 1], (q, g, r)
    W = np.load(wfile)
    assert W.dtype == np.float64 and W.shape == (C * K,)
    assert (W == np.array(w).reshape(-1)).all(), (W, np.array(w).reshape(-1))
w, rows = run(3, lambda e: [0.05, 0.025][min(e, 1)], 2)
check("o/metrics.csv", rows, "w/InOut_w.npy", w)
assert rows[-1][2] > 0.5 and rows[-1][4] > 0.5, rows     # it learns something
j = json.load(open("o/run.json"))["training"]
assert j["saved_epoch"] == 3 and j["example_steps"] == 12 and len(j["metrics"]) == 3
assert j["metrics"][1]["test_accuracy"] == rows[1][4] and j["metrics"][0]["test_loss"] is None
wd, rowsd = run(3, lambda e: 0.05 * 0.5 ** (e // 2), 1, test=False)
check("od/metrics.csv", rowsd, "wd/InOut_w.npy", wd)
# the same sequence with another seed differs (the shuffle is used)
assert order(9, 11, 0) != order(9, 11, 1)
e = open("oe/metrics.csv").read().splitlines()[1].split(",")
assert float(e[3]) == rows[-1][3] and float(e[4]) == rows[-1][4], (e, rows[-1])
assert json.load(open("oe/run.json"))["training"]["loaded"][:2] == ["Out.y", "InOut.w"]
# the groups' runs: epoch_end 3, batch_end 27 (batches of one example), every_steps 12: once
# per training example (not while evaluating), No (model every = 1, named in train.groups
# every 1000 steps): never; Al (model every = 1, not a training group): every step of the
# run, 3 x 9 x 12 training and 2 x 6 x 12 test steps
for v, n in (("CEp", 3), ("CBt", 27), ("CTk", 27), ("CAl", 3 * 9 * 12 + 2 * 6 * 12), ("CNo", 0)):
    got = np.load(f"w/{v}_n.npy")
    assert (got == n).all() and got.shape == (3,), (v, got, n)
# reset: none (mlGeNN's e-prop): y and the synapse counts carry over from example to example
wn, rowsn = run(3, lambda e: 0.001, 1, reset=False)
check("on/metrics.csv", rowsn, "wn/InOut_w.npy", wn)
assert wn != w
print("weights, metrics, schedules and evaluation exact; accuracy", rows[-1][2], rows[-1][4])
PY
ok "delta rule: weights and metrics exact against NumPy; schedules; 1 = 2 threads; evaluate_only with loaded weights"
[ -s o/curves.png ] || ! command -v gnuplot >/dev/null || fail "no curves.png"
ok "curves.png"

# --- a stop by SIGTERM mid-epoch: complete rows, then one marked interrupted ---------------
$PY - trainset big <<'PY'
import numpy as np, os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
t, u, o, l = (np.load(f"{src}/{n}.npy") for n in ("times", "units", "offsets", "labels"))
R = 300    # 2700 examples an epoch: the run takes long enough to be stopped
np.save(f"{dst}/times.npy", np.tile(t, R)); np.save(f"{dst}/units.npy", np.tile(u, R))
np.save(f"{dst}/offsets.npy", np.concatenate([[0], (np.arange(1, R + 1)[:, None] * o[-1] - o[-1] + o[1:][None, :]).reshape(-1)]))
np.save(f"{dst}/labels.npy", np.tile(l, R))
PY
b/delta --config t.yaml --set train.train.In=big --set train.epochs=50 --output oi --quiet \
    --set train.save.dir=wi >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ "$( (wc -l <oi/metrics.csv) 2>/dev/null || echo 0)" -ge 2 ] && break
    sleep 0.2
done
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc -eq 143 ] || fail "SIGTERM: exit status $rc"
tail -n 1 oi/metrics.csv | grep -q ',interrupted$' || fail "no interrupted row"
head -n -1 oi/metrics.csv | tail -n +2 | grep -v -q ',complete$' && fail "an incomplete row"
grep -q '"status": "interrupted"' oi/run.json || fail "run.json not interrupted"
$PY -c "import numpy as np; assert np.load('wi/InOut_w.npy').shape == (15,)"
ok "SIGTERM: metrics.csv rows complete, the last one marked interrupted; saved weights whole"

# --- bad input: the config file's line ------------------------------------------------------
fails() { # expected-message args...
    local want=$1
    shift
    if b/delta --quiet --output obad "$@" 2>err >/dev/null; then fail "accepted: $*"; fi
    grep -qF -- "$want" err || { echo "FAIL: want '$want', got:"; cat err; exit 1; }
}
printf 'train:\n  train: { In: trainset }\n  groups: { example_end: [Lern] }\n' >g.yaml
fails "g.yaml:3: unknown custom-update group 'Lern' in 'train.groups.example_end' (did you mean 'Learn'? groups: Learn, Ep, Bt, Tk, Al, No)" --config g.yaml
printf 'train:\n  train: { In: trainset }\n  save:\n    dir: x\n    vars: [InOut.ww]\n' >v.yaml
fails "v.yaml:5: 'train.save.vars': the model has no variable 'InOut.ww' (did you mean 'InOut.w'?)" --config v.yaml
printf 'train:\n  train: { In: trainset }\n  metrics: { output: Out.yy }\n' >o.yaml
fails "o.yaml:3: 'train.metrics.output': the model has no variable 'Out.yy' (did you mean 'Out.y'?)" --config o.yaml
printf 'train:\n  train: { In: trainset }\n  batch: 10\n' >bt.yaml
fails "bt.yaml:3: 'batch' 10 is larger than the training set (9 examples in trainset)" --config bt.yaml
printf 'train:\n  epochs: 0\n' >e.yaml
fails "e.yaml:2: 'train.epochs' must be a whole number from 1 to 1000000000 (got '0')" --config e.yaml
printf 'train:\n  train: { In: trainset }\n  schedule:\n    Delta.etta: [1]\n' >s.yaml
fails "s.yaml:4: 'train.schedule': 'Delta.etta' is not a runtime parameter of the model (did you mean 'Delta.eta'?)" --config s.yaml
printf 'train:\n  train: { In: trainset }\n  epoch: 2\n' >k.yaml
fails "k.yaml:3: 'train': unknown key 'epoch' (did you mean 'epochs'?)" --config k.yaml
$PY - <<'PY'
import numpy as np, os
os.makedirs("wide", exist_ok=True)
np.save("wide/times.npy", np.array([1.0])); np.save("wide/units.npy", np.array([7], dtype=np.int32))
np.save("wide/offsets.npy", np.array([0, 1])); np.save("wide/labels.npy", np.array([0], dtype=np.int32))
PY
printf 'train:\n  train: { In: trainset }\n  test: { In: wide }\n' >w.yaml
fails "w.yaml:3: 'test': wide/units.npy: spike 0 (example 0) has unit 7, but the population has 5 neurons" --config w.yaml
printf 'train:\n  train: { In: trainsett }\n' >n.yaml
fails "n.yaml:2: 'train': trainsett: No such file or directory (a data set is a directory holding times.npy" --config n.yaml
rm -rf huge && cp -r trainset huge && $PY -c "
import numpy as np; t = np.load('huge/times.npy'); t[-1] = 1e300; np.save('huge/times.npy', t)"
printf 'train:\n  train: { In: huge }\n' >h.yaml
fails "h.yaml:2: 'train': huge: spike 52 has time 1e+300 ms, beyond the longest example supported (4294967295 steps of" --config h.yaml
printf 'train:\n  train: { In: w.yaml }\n' >f.yaml
fails "f.yaml:2: 'train': w.yaml: not a directory (a data set is a directory holding" --config f.yaml
printf 'train:\n  train: { In: none-images-idx3-ubyte.gz }\n' >i.yaml
fails "i.yaml:2: 'train': none-images-idx3-ubyte.gz: No such file or directory" --config i.yaml
ok "bad configs: unknown group and variables (did you mean), batch > data set, epochs < 1, a schedule of a non-runtime parameter, a test set with more channels, a mistyped data set, a file for a directory, a missing IDX file"

# --- 2 MPI ranks (Out's 3 neurons split 2 + 1): the same metrics and final weights -------
cd "$OLDPWD"
source tests/lib/mpi.sh
cd "$WORK"
"$SNNCC" -q --mpi m.lua -o bm
grep -v save t.yaml >tm.yaml
b/delta --config tm.yaml --output o1 --quiet
"${MPIRUN[@]}" -np 2 bm/delta --config tm.yaml --output om --quiet 2>/dev/null
cut -d, -f1-5 o1/metrics.csv >m1.csv
cut -d, -f1-5 om/metrics.csv >m2.csv
cmp m1.csv m2.csv || fail "2 ranks: other metrics"
cmp <(cut -d, -f1-5 o/metrics.csv) m1.csv || fail "without save: other metrics"
$PY - <<'PY'
import json
a, b = (json.load(open(f"{d}/run.json")) for d in ("o1", "om"))
pa, pb = a["projections"][0], b["projections"][0]
assert pa["final_checksum"] == pb["final_checksum"], (pa, pb)
PY
# save and load across ranks: the files of 1 rank (neurons in order; synapses by source,
# then target: each source's row split between the ranks)
"${MPIRUN[@]}" -np 2 bm/delta --config t.yaml --output oms --quiet --set train.save.dir=wm \
    2>/dev/null
for f in w/*.npy; do
    cmp "$f" "wm/$(basename "$f")" || fail "2 ranks: saved $(basename "$f") differs"
done
"${MPIRUN[@]}" -np 2 bm/delta --quiet --output ome --set datasets.In.example_steps=12 \
    --set train.evaluate_only=true --set train.test.In=testset --set train.load=wm \
    --set train.metrics.output=Out.y --set train.metrics.loss=Out.l 2>/dev/null
cmp <(cut -d, -f1-5 oe/metrics.csv) <(cut -d, -f1-5 ome/metrics.csv) || fail "2 ranks: evaluation with loaded variables"
ok "2 MPI ranks: metrics and final weights (checksum) identical to 1 rank; saved files identical; load and evaluate"
