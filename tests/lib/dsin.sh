# The small data-set model and data set of tests/e2e/datasets.sh and checkpoint_dataset.sh,
# written into the current directory: m.lua (a spike_source_dataset 'In' of 6 channels and
# 4 classes; probes reading label and example, and synapse code reading label) and ds/
# (9 examples of up to 5.2 ms in the NumPy layout, with duplicates within a step, a time
# below dt / 2 and empty examples; units uint16 and labels uint8 as SHD has them).
# dsin_build writes both and compiles m.lua into b/. Sourced by a test (needs $PY, $SNNCC).
dsin_build() {
cat >m.lua <<'LUA'
network { name = "dsin", dt = 0.5, precision = "double" }
local In = population { "In", spike_source_dataset { classes = 4 }, 6 }
local probe = neuron { name = "probe", vars = { L = 0.0, X = 0.0, C = 0.0 },
                       sim = "L = label; X = example; C += Isyn;" }
local P = population { "P", probe, 3 }
projection { In, P, conn = all_to_all(), weight = 1.0, psm = delta() }
-- synapse code reads the label too: each spike delivers 1 + the label of its arrival step
local labelled = synapse { name = "labelled", vars = { w = 0.0 }, on_pre = "w = 1.0 + label;" }
local Q = population { "Q", probe, 2 }
projection { In, Q, conn = all_to_all(), synapse = labelled, weight = 0.0, delay = 1.0 }
record { In = "spikes", P = { "L", "X", "C" }, Q = { "C" } }
LUA
# the data set: 9 examples of up to 5.2 ms, with duplicates within a step, a time below
# dt / 2 and empty examples; units uint16 and labels uint8 as SHD has them
$PY - <<'PY'
import numpy as np, os
rng = np.random.default_rng(5)
times, units, offs, labels = [], [], [0], []
for k in range(9):
    n = 0 if k in (2, 6) else int(rng.integers(3, 14))
    t = np.sort(np.round(rng.uniform(0, 5.2, n), 2))
    u = rng.integers(0, 6, n)
    if k == 0:
        t[:2] = [0.1, 0.2]; u[:2] = 3          # both in step 0: one spike
    times += list(t); units += list(u); offs.append(offs[-1] + n); labels.append(k % 4)
os.makedirs("ds", exist_ok=True)
np.save("ds/times.npy", np.array(times, dtype=np.float64))
np.save("ds/units.npy", np.array(units, dtype=np.uint16))
np.save("ds/offsets.npy", np.array(offs, dtype=np.int64))
np.save("ds/labels.npy", np.array(labels, dtype=np.uint8))
PY
"$SNNCC" -q m.lua -o b
}
