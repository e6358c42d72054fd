#!/usr/bin/env bash
# models/eprop_classifier.lua (e-prop from the standard library, docs/language.md "e-prop")
# on a tiny generated spike-pattern data set: 3 classes of 20 channels (class c fires
# channels 7c .. 7c + 6 at random, 30 steps per example, 12 examples), 16 recurrent ALIF
# neurons, Adam after every example, 20 epochs, no batches or training loop yet (the
# examples follow each other, the state is not reset, as in mlGeNN).  The per-example
# cross-entropy and prediction (argmax of the summed softmax) come from the readout's
# pi_sum and ce recorded at example boundaries.  It learns: the first epoch's mean loss
# per step is near ln 3, the last epoch's below 0.5 with every example right; with the
# learning rates set to 0 at run time (the control) the loss stays above 0.9.  A sparse
# LIF variant without recurrence (p_in = 0.5) and a sparse recurrent one compile and learn too.
set -euo pipefail
source tests/lib/eprop_data.sh # eprop_data
cd "$WORK"
eprop_data
M="$OLDPWD/models/eprop_classifier.lua"
D=(-D inputs=20 -D classes=3 -D hidden=16 -D learn_every=30 -D lr=0.01 -D record_every=30)
run() { # dir out [args]
    local d=$1 o=$2; shift 2
    "$d/eprop_classifier" --time 7200 --quiet --output "$o" --set datasets.In.file=ds \
        --set datasets.In.example_steps=30 "$@"
}
check() { # out min_first max_last min_acc | control
    $PY - "$@" <<'PY'
import sys
import numpy as np
o = sys.argv[1]
E = 12
ce = np.load(f"{o}/Out_ce.npy")["v"].astype(np.float64)
ps = np.load(f"{o}/Out_pi_sum.npy")["v"].astype(np.float64)
labels = np.load("ds/labels.npy")
dce = np.diff(ce.sum(axis=1)) / 30     # the mean loss per step of each example
pred = np.argmax(np.diff(ps, axis=0), axis=1)
first, last = dce[:E].mean(), dce[-E:].mean()
acc = np.mean(pred[-E:] == labels[np.arange(len(pred) - E, len(pred)) % E])
print(f"{o}: loss per step {first:.3f} (epoch 1) -> {last:.3f} (last epoch), "
      f"last-epoch accuracy {acc:.2f}")
if sys.argv[2] == "control":
    assert last > 0.9, last
else:
    assert first >= float(sys.argv[2]) and last <= float(sys.argv[3]), (first, last)
    assert acc >= float(sys.argv[4]), acc
PY
}
"$SNNCC" -q "$M" "${D[@]}" -o alif
run alif alif_out
check alif_out 0.9 0.5 1.0
zero=()
for a in IH HH HO Out; do zero+=(--set "params.${a}_adam.lr=0"); done
run alif ctl_out "${zero[@]}"
check ctl_out control
echo "ok - ALIF recurrent learns; without learning (lr = 0) the loss stays"
"$SNNCC" -q "$M" "${D[@]}" -D alif=0 -D recurrent=0 -D p_in=0.5 -o lif
run lif lif_out
check lif_out 0.9 0.5 1.0
"$SNNCC" -q "$M" "${D[@]}" -D p_in=0.5 -D p_rec=0.3 -o sparse
run sparse sparse_out
check sparse_out 0.9 0.5 1.0
echo "ok - sparse LIF feed-forward and sparse ALIF recurrent learn"

# Random-feedback e-prop (-D random_feedback=1, eprop.md section 1.7): the learning signal
# of step s + 1 is a fixed linear map of the readout's error of step s.  Fitted by least
# squares on each half of the run, the map reproduces every recorded L to float precision
# (relative 1e-5) and is the same map in both halves (compared on the error's span: the
# errors of a step sum to 0); its entries have the sd of Normal(0, 1/sqrt(16)).  With the
# symmetric feedback (the default) no fixed map fits (the output weights learn).  And the
# random-feedback classifier learns the task.
"$SNNCC" -q "$M" "${D[@]}" -D random_feedback=1 -D record_l=1 -o rfb
run rfb rfb_out
check rfb_out 0.9 0.5 1.0
"$SNNCC" -q "$M" "${D[@]}" -D record_l=1 -o symfb
run symfb symfb_out
$PY - <<'PY'
import numpy as np
def fit(o):
    L = np.load(f"{o}/H_L.npy")["v"].astype(np.float64)[1:]
    E = np.load(f"{o}/Out_E.npy")["v"].astype(np.float64)[:-1]
    h = len(L) // 2
    out = []
    for part in (slice(0, h), slice(h, len(L))):
        B = np.linalg.lstsq(E[part], L[part], rcond=None)[0]
        rel = np.abs(E[part] @ B - L[part]).max() / np.abs(L[part]).max()
        out.append((B - B.mean(axis=0), rel))   # the component along (1, 1, 1) is not defined
    return out
(b1, r1), (b2, r2) = fit("rfb_out")
print(f"random feedback: fit residual {r1:.2e} / {r2:.2e}, halves differ by "
      f"{np.abs(b1 - b2).max():.2e}, sd {b1.std():.3f}")
assert r1 < 1e-5 and r2 < 1e-5, (r1, r2)
assert np.abs(b1 - b2).max() < 1e-3
assert 0.1 < b1.std() < 0.4, b1.std()
(s1, q1), (s2, q2) = fit("symfb_out")
print(f"symmetric feedback: fit residual {q1:.2e} / {q2:.2e}")
assert q1 > 0.01 and q2 > 0.01, (q1, q2)
PY
echo "ok - random-feedback e-prop: L through one fixed random matrix, and it learns"
