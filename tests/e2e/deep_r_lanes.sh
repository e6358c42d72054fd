#!/usr/bin/env bash
# DEEP R in batched models (deep_r{ batch = true }, docs/language.md "DEEP R"):
# models/eprop_classifier.lua -D deepr=1 -D batch=B on tests/e2e/deep_r.sh's tiny 3-class
# set (16 recurrent ALIF neurons, input p = 0.5, recurrent p = 0.3, row padding 1, L1 0.01).
# The sign and L1 run per lane before the gradients are summed over the lanes (GradSum),
# Adam on the sum keeps the lanes' weights equal, and the rewiring runs once for all lanes.
#   - B = 4, the model's schedule (a batch every 30 steps, 60 batches): deep_r/check.py's
#     invariants of deep_r.md section 2.5 on lane 0's weight snapshots, every lane's
#     snapshots (synapses and weights) byte-identical to lane 0's, and the same on 2 threads;
#   - through the training loop (batch_end: [GradSum, Learn], 3 epochs, a batch of 8
#     examples each): B = 8 in one process and B = 8 as 4 lanes on each of 2 MPI ranks give
#     the same metrics, the same saved weights and (pre, post) pairs of the rewired
#     projections, and the same rewiring counts, bitwise; it rewired; evaluate_only with
#     train.load of the saved weights and pairs gives the final test metrics (1 and 2 ranks).
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/eprop_data.sh # eprop_data
cd "$WORK"
eprop_data
M="$OLDPWD/models/eprop_classifier.lua"
D=(-D inputs=20 -D classes=3 -D hidden=16 -D lr=0.01 -D p_in=0.5 -D p_rec=0.3 -D deepr=1
   -D l1=0.01 -D pad=1)
cu() { $PY -c "import json, sys; print([{k: v for k, v in c.items() if not k.endswith('_s')} for c in json.load(open(sys.argv[1]))['connectivity_updates']])" "$1"; }

"$SNNCC" -q "$M" "${D[@]}" -D batch=4 -D learn_every=30 -D record_every=30 -D record_w=30 -o c4
A=(--time 1800 --quiet --set datasets.In.file=ds --set datasets.In.example_steps=30)
c4/eprop_classifier "${A[@]}" --output s4
$PY "$OLDPWD/tests/e2e/deep_r/check.py" s4 || fail "B = 4: DEEP R invariants (lane 0)"
for b in 1 2 3; do
    for f in IH_w HH_w; do
        cmp -s "s4/$f.npy" "s4/lane$b/$f.npy" || fail "B = 4: lane $b's $f.npy is not lane 0's"
    done
done
ok "B = 4, 60 batches: the invariants of deep_r.md 2.5 hold, every lane has lane 0's synapses and weights"
c4/eprop_classifier "${A[@]}" --output s4t2 --set threads=2
for d in "" /lane1 /lane2 /lane3; do
    for f in IH_w HH_w Out_ce Out_pi_sum; do
        cmp -s "s4$d/$f.npy" "s4t2$d/$f.npy" || fail "B = 4, 2 threads: $d $f.npy differs"
    done
done
[ "$(cu s4/run.json)" = "$(cu s4t2/run.json)" ] || fail "B = 4, 2 threads: connectivity_updates differ"
ok "B = 4: bitwise the same on 2 threads"

"$SNNCC" -q "$M" "${D[@]}" -D batch=8 -o c8
"$SNNCC" -q --mpi "$M" "${D[@]}" -D batch=8 -o m8
sed -e 's#/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz#ds#' \
    -e 's#/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz#ds#' \
    -e 's#epochs: 10#epochs: 3#' -e 's#shuffle: true#shuffle: false#' \
    -e 's/batch_end: \[Learn\]/batch_end: [GradSum, Learn]/' \
    -e '/^datasets:/,$d' "$OLDPWD/models/eprop_fmnist.yaml" >t.yaml
echo 'datasets: { In: { example_steps: 30 } }' >>t.yaml
grep -q 'batch_end: \[GradSum, Learn\]' t.yaml || fail "eprop_fmnist.yaml: no batch_end"
c8/eprop_classifier --config t.yaml --output o1 --quiet --set train.save.dir=w1
"${MPIRUN[@]}" -np 2 m8/eprop_classifier --config t.yaml --output o2 --quiet --set train.save.dir=w2
$PY - o1 <<'PY' || fail "B = 8: no rewiring"
import json, sys
j = json.load(open(f"{sys.argv[1]}/run.json"))
for c in j["connectivity_updates"]:
    assert c["runs"] == 3 and c["removed"] == c["added"] > 0 and c["failed"] == 0, c
    print(c["name"], "removed", c["removed"])
PY
cmp <(cut -d, -f1-5 o1/metrics.csv) <(cut -d, -f1-5 o2/metrics.csv) || fail "B = 8 on 2 ranks: metrics differ"
n=0
for f in w1/*.npy; do
    cmp -s "$f" "w2/$(basename "$f")" || fail "B = 8 on 2 ranks: $(basename "$f") differs"
    n=$((n + 1))
done
[ $n -eq 8 ] || fail "B = 8: $n saved files (weights and pairs of IH, HH; HO, Out.b)"
[ "$(cu o1/run.json)" = "$(cu o2/run.json)" ] || fail "B = 8 on 2 ranks: connectivity_updates differ"
ok "B = 8 in one process = B = 8 as 4 lanes on each of 2 ranks: metrics, weights, pairs, rewiring counts"
# the saved weights and pairs loaded into the batched model (every lane) for an evaluation
printf 'train:\n  test: { In: ds }\n  evaluate_only: true\n  load: w1\n  reset: example\n  keep: [Out.b]\n  groups: { batch_end: [GradSum, Learn] }\n  metrics: { output: Out.pi_sum, loss: Out.ce }\ndatasets: { In: { example_steps: 30 } }\n' >e.yaml
c8/eprop_classifier --config e.yaml --output oe --quiet
"${MPIRUN[@]}" -np 2 m8/eprop_classifier --config e.yaml --output oe2 --quiet
for d in oe oe2; do
    [ "$(tail -n 1 "$d/metrics.csv" | cut -d, -f4-5)" = "$(tail -n 1 o1/metrics.csv | cut -d, -f4-5)" ] ||
        fail "B = 8, evaluate_only with train.load ($d): $(tail -n 1 "$d/metrics.csv")"
done
ok "B = 8: evaluate_only with train.load of the rewired weights gives the training run's final test metrics (1 process, 2 ranks)"
