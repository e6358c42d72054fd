#!/usr/bin/env bash
# DEEP R (deep_r{} of the standard library, docs/language.md "DEEP R") in
# models/eprop_classifier.lua -D deepr=1 on tests/e2e/eprop_classifier.sh's tiny 3-class
# set: 16 recurrent ALIF neurons, input p = 0.5, recurrent p = 0.3, row padding 1, L1 0.01,
# Adam and a rewiring after every example (240 examples, 7200 steps).
#   - deep_r/check.py: the invariants of deep_r.md section 2.5 on the weights recorded one
#     step after every rewiring (count constant, no pair twice, rows within capacity, no
#     kept synapse changed sign, new synapses have weight 0 and number the removals,
#     run.json's counts);
#   - it still learns (the last epoch's loss below 0.5, every example right);
#   - on a silent data set (no input spikes: the e-prop gradient is 0) L1 alone shrinks every
#     kept weight's magnitude at every step, and weights that cross zero are removed;
#   - bitwise the same (weights, losses, counts) for 2 threads and 2 MPI ranks;
#   - through the training loop (models/eprop_fmnist.yaml's settings: reset per example,
#     group Learn at batch_end, 4 epochs of the 12 examples): it rewires once per example
#     and learns; train.save writes the rewired projections' (pre, post) pairs with their
#     weights, and evaluate_only with train.load of them gives the training run's final
#     test accuracy and loss (1 and 2 threads, 2 ranks); bad pairs are refused.
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/eprop_data.sh # eprop_data
cd "$WORK"
eprop_data
$PY - <<'PY' # ds0: ds's examples without spikes
import os
import numpy as np
labels = np.load("ds/labels.npy")
E = len(labels)
os.makedirs("ds0", exist_ok=True)
np.save("ds0/times.npy", np.zeros(0)); np.save("ds0/units.npy", np.zeros(0, dtype=np.uint16))
np.save("ds0/offsets.npy", np.zeros(E + 1, dtype=np.int64)); np.save("ds0/labels.npy", np.array(labels, dtype=np.uint8))
PY
M="$OLDPWD/models/eprop_classifier.lua"
D=(-D inputs=20 -D classes=3 -D hidden=16 -D learn_every=30 -D lr=0.01 -D record_every=30
   -D p_in=0.5 -D p_rec=0.3 -D deepr=1 -D l1=0.01 -D pad=1 -D record_w=30)
A=(--time 7200 --quiet --set datasets.In.file=ds --set datasets.In.example_steps=30)
"$SNNCC" -q "$M" "${D[@]}" -o c
"$SNNCC" -q --mpi "$M" "${D[@]}" -o m
c/eprop_classifier "${A[@]}" --output ref
$PY "$OLDPWD/tests/e2e/deep_r/check.py" ref || fail "DEEP R invariants"
ok "DEEP R invariants over 240 rewirings of IH and HH"
$PY - ref <<'PY' || fail "DEEP R: does not learn"
import sys
import numpy as np
o, E = sys.argv[1], 12
ce = np.load(f"{o}/Out_ce.npy")["v"].astype(np.float64)
ps = np.load(f"{o}/Out_pi_sum.npy")["v"].astype(np.float64)
labels = np.load("ds/labels.npy")
dce = np.diff(ce.sum(axis=1)) / 30
pred = np.argmax(np.diff(ps, axis=0), axis=1)
first, last = dce[:E].mean(), dce[-E:].mean()
acc = np.mean(pred[-E:] == labels[np.arange(len(pred) - E, len(pred)) % E])
print(f"loss per step {first:.3f} -> {last:.3f}, last-epoch accuracy {acc:.2f}")
assert first >= 0.9 and last <= 0.5 and acc == 1.0, (first, last, acc)
PY
ok "with DEEP R the classifier still learns"
c/eprop_classifier "${A[@]}" --output l1 --time 1800 --set datasets.In.file=ds0
$PY "$OLDPWD/tests/e2e/deep_r/check.py" l1 l1 || fail "DEEP R with L1 alone"
ok "L1 alone: every kept weight shrinks, the ones that cross zero are removed"
cu() { $PY -c "import json, sys; print([{k: v for k, v in c.items() if not k.endswith('_s')} for c in json.load(open(sys.argv[1]))['connectivity_updates']])" "$1"; }
c/eprop_classifier "${A[@]}" --output t2 --set threads=2
same_outputs ref t2 "DEEP R, 2 threads"
[ "$(cu ref/run.json)" = "$(cu t2/run.json)" ] || fail "2 threads: connectivity_updates differ"
"${MPIRUN[@]}" -np 2 m/eprop_classifier "${A[@]}" --output r2
same_outputs ref r2 "DEEP R, 2 ranks"
[ "$(cu ref/run.json)" = "$(cu r2/run.json)" ] || fail "2 ranks: connectivity_updates differ"
sed -e 's#/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz#ds#' \
    -e 's#/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz#ds#' \
    -e 's#epochs: 10#epochs: 4#' -e 's#shuffle: true#shuffle: false#' -e 's#dir: fm_weights#dir: w#' \
    -e '/^datasets:/,$d' "$OLDPWD/models/eprop_fmnist.yaml" >t.yaml
echo 'datasets: { In: { example_steps: 30 } }' >>t.yaml
c/eprop_classifier --config t.yaml --output tr --quiet
$PY - tr <<'PY' || fail "DEEP R through the training loop"
import csv, json, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/metrics.csv")))
j = json.load(open(f"{sys.argv[1]}/run.json"))
first, last = float(rows[0]["train_loss"]), float(rows[-1]["train_loss"])
print(f"train loss {first:.2f} -> {last:.2f}, test accuracy {rows[-1]['test_accuracy']}")
assert last < 0.5 * first and float(rows[-1]["test_accuracy"]) >= 0.9, rows[-1]
for cu in j["connectivity_updates"]:
    assert cu["runs"] == 4 * 12 and cu["removed"] == cu["added"] > 0 and cu["failed"] == 0, cu
PY
ok "through the training loop: a rewiring per example, it learns"
ls w/IH.pre.npy w/IH.post.npy w/HH.pre.npy w/HH.post.npy >/dev/null || fail "train.save: no pairs of the rewired projections"
$PY - <<'PY' || fail "train.save: the pairs of a rewired projection"
import numpy as np
for p, n_pre, n_post in (("IH", 20, 16), ("HH", 16, 16)):
    pre, post, w = (np.load(f"w/{p}{x}.npy") for x in (".pre", ".post", "_w"))
    assert pre.dtype == np.uint32 and post.dtype == np.uint32, (pre.dtype, post.dtype)
    assert len(pre) == len(post) == len(w) > 0, (len(pre), len(post), len(w))
    key = pre.astype(np.int64) * n_post + post
    assert np.all(np.diff(key) > 0) and pre.max() < n_pre and post.max() < n_post
PY
ok "train.save writes a rewired projection's (pre, post) pairs, sorted, one per saved value"
# (Learn named under groups: its model schedule, every 30 steps, is off in the evaluation)
printf 'train:\n  test: { In: ds }\n  evaluate_only: true\n  load: w\n  reset: example\n  keep: [Out.b]\n  groups: { batch_end: [Learn] }\n  metrics: { output: Out.pi_sum, loss: Out.ce }\ndatasets: { In: { example_steps: 30 } }\n' >e.yaml
same_eval() {
    $PY - "$1" tr <<'PY' || fail "evaluation with the saved DEEP R weights ($2)"
import csv, sys
e, t = (list(csv.DictReader(open(f"{d}/metrics.csv"))) for d in sys.argv[1:3])
print("evaluate_only:", e[-1]["test_accuracy"], e[-1]["test_loss"], " training:", t[-1]["test_accuracy"], t[-1]["test_loss"])
assert e[-1]["test_accuracy"] == t[-1]["test_accuracy"] and e[-1]["test_loss"] == t[-1]["test_loss"], (e[-1], t[-1])
PY
}
c/eprop_classifier --config e.yaml --output oe --quiet
same_eval oe "1 thread"
c/eprop_classifier --config e.yaml --output oe2 --quiet --set threads=2
same_eval oe2 "2 threads"
"${MPIRUN[@]}" -np 2 m/eprop_classifier --config e.yaml --output oe3 --quiet
same_eval oe3 "2 ranks"
ok "evaluate_only with train.load of the saved DEEP R weights: the training run's final test metrics (1, 2 threads, 2 ranks)"
# the pairs are checked: out of order, beyond the row capacity, missing
mkdir -p wb && cp w/*.npy wb/
$PY -c "
import numpy as np
pre, p = np.load('w/HH.pre.npy'), np.load('w/HH.post.npy')
k = np.flatnonzero(pre[1:] == pre[:-1])[0]
p[k], p[k + 1] = p[k + 1], p[k]; np.save('wb/HH.post.npy', p)"
sed -e 's#load: w#load: wb#' e.yaml >eb.yaml
if c/eprop_classifier --config eb.yaml --output ob --quiet 2>e.err; then fail "unsorted pairs must be refused"; fi
grep -q "wb/HH.pre.npy, wb/HH.post.npy: synapse [0-9]* ([0-9]*, [0-9]*) is out of order: the pairs must ascend by source, then by target, each pair once" e.err ||
    fail "unsorted pairs: $(cat e.err)"
cp w/HH.post.npy wb/ && rm wb/IH.pre.npy
if c/eprop_classifier --config e.yaml --output ob --quiet --set train.load=wb 2>e.err; then fail "missing pairs must be refused"; fi
grep -q "'IH.w' is of projection 'IH', which is rewired by a connectivity update, and needs its synapses' pairs: wb/IH.pre.npy is missing" e.err ||
    fail "missing pairs: $(cat e.err)"
ok "train.load: pairs out of order or missing are refused, naming the file"
