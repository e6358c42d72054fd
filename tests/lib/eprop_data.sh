# tests/lib/eprop_data.sh - sourced by the tests that train models/eprop_classifier.lua
# (eprop_classifier.sh, deep_r.sh): a tiny spike-pattern data set, 3 classes of 20 channels
# (class c fires channels 7c .. 7c + 6 at random), 30 steps per example, 12 examples.

# eprop_data: the data set ds/ (NumPy layout) in the current directory, from a fixed seed
eprop_data() {
    $PY - <<'PY'
import os
import numpy as np
rng = np.random.default_rng(3)
C, N, L, E = 3, 20, 30, 12
times, units, offs, labels = [], [], [0], []
for k in range(E):
    c = k % C
    t, u = [], []
    for ch in range(c * 7, min(N, c * 7 + 7)):
        for s in range(L):
            if rng.random() < 0.3:
                t.append(s + 1.0); u.append(ch)
    o = np.argsort(t, kind="stable")
    times += list(np.array(t)[o]); units += list(np.array(u)[o])
    offs.append(offs[-1] + len(t)); labels.append(c)
os.makedirs("ds", exist_ok=True)
np.save("ds/times.npy", np.array(times)); np.save("ds/units.npy", np.array(units, dtype=np.uint16))
np.save("ds/offsets.npy", np.array(offs)); np.save("ds/labels.npy", np.array(labels, dtype=np.uint8))
PY
}
