#!/usr/bin/env bash
# deep_r.md section 2.5's invariants of DEEP R (deep_r{}, docs/language.md "DEEP R") as
# tests; tests/e2e/deep_r.sh checks 1, 2 (on the weights), 5 and learning unbatched,
# tests/e2e/deep_r_lanes.sh the lanes against ranks.  Here:
#   - 1-3 at every pass of a batched classifier (models/eprop_classifier.lua -D deepr=1
#     -D batch=2, L1 0.5 so that weights are forced across zero, every step recorded):
#     deep_r/inv.py (count, rows, kept synapses keep their sign variable's sign, the new
#     synapses number the removals, onto free targets, with w = 0, a sign, and g, ebar, m,
#     v, the summed G all 0 in every lane); the same files on 2 MPI ranks;
#   - 5 in a batched model: on a silent data set (the e-prop gradient is 0) L1 alone shrinks
#     every kept weight at every pass, and the ones that cross zero are removed (check.py);
#   - 4: deep_r/dist.lua (deep_r{}'s re-insertion: add.total = n_removed, add.redraw;
#     23,500 re-insertions): chi-square of the targets against uniform over each row's free
#     columns and of the rows against uniform, each below the p = 0.001 quantile; with
#     -D bias=1 (targets drawn non-uniformly) the target test rejects.
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/eprop_data.sh # eprop_data
cd "$WORK"
eprop_data
M="$OLDPWD/models/eprop_classifier.lua"
D=(-D inputs=20 -D classes=3 -D hidden=16 -D lr=0.01 -D p_in=0.5 -D p_rec=0.3 -D deepr=1
   -D pad=1 -D batch=2 -D learn_every=30)
A=(--quiet --set datasets.In.file=ds --set datasets.In.example_steps=30)
"$SNNCC" -q "$M" "${D[@]}" -D l1=0.5 -D record_w=1 -D record_state=1 -o ci
"$SNNCC" -q --mpi "$M" "${D[@]}" -D l1=0.5 -D record_w=1 -D record_state=1 -o mi
ci/eprop_classifier "${A[@]}" --time 300 --output si
$PY "$OLDPWD/tests/e2e/deep_r/inv.py" si 2 || fail "invariants 1-3"
ok "invariants 1-3 at each of 10 passes: count, rows, signs kept, new synapses zero in every lane"
"${MPIRUN[@]}" -np 2 mi/eprop_classifier "${A[@]}" --time 300 --output si2
for d in "" /lane1; do
    for f in si$d/*.npy; do
        cmp -s "$f" "si2$d/$(basename "$f")" || fail "2 ranks: $d $(basename "$f") differs"
    done
done
ok "the same on 2 MPI ranks (lanes over ranks)"

$PY - <<'PY' # ds0: ds's examples without spikes
import os
import numpy as np
labels = np.load("ds/labels.npy")
os.makedirs("ds0", exist_ok=True)
np.save("ds0/times.npy", np.zeros(0)); np.save("ds0/units.npy", np.zeros(0, dtype=np.uint16))
np.save("ds0/offsets.npy", np.zeros(len(labels) + 1, dtype=np.int64)); np.save("ds0/labels.npy", np.array(labels, dtype=np.uint8))
PY
"$SNNCC" -q "$M" "${D[@]}" -D l1=0.01 -D record_w=30 -o cl
cl/eprop_classifier "${A[@]}" --time 1800 --output l1 --set datasets.In.file=ds0
$PY "$OLDPWD/tests/e2e/deep_r/check.py" l1 l1 || fail "batched, L1 alone"
ok "invariant 5, batched: L1 alone shrinks every kept weight, the ones that cross zero are removed"

"$SNNCC" -q "$OLDPWD/tests/e2e/deep_r/dist.lua" -o d0
"$SNNCC" -q -D bias=1 "$OLDPWD/tests/e2e/deep_r/dist.lua" -o d1
d0/dist --time 400 --quiet --output do0
d1/dist --time 400 --quiet --output do1
$PY "$OLDPWD/tests/e2e/deep_r/dist.py" do0 || fail "invariant 4: re-insertion distribution"
$PY "$OLDPWD/tests/e2e/deep_r/dist.py" do1 biased || fail "invariant 4: a biased target draw passes"
ok "invariant 4: targets uniform over the free columns, rows uniform (chi-square, p = 0.001); a biased draw is rejected"
