#!/usr/bin/env bash
# Spike-pattern data sets as inputs (spike_source_dataset, run config datasets:): the
# recorded spikes of the input population equal the data set's spikes exactly (steps
# round(t / dt) - 1 within each example, example k of the run's sequence at steps
# [k L, (k + 1) L), several spikes of a channel in one step counted once), for sequential
# and shuffled order (the shuffle checked against a NumPy reimplementation of the
# documented SplitMix64 Fisher-Yates), L from the data, example_steps or example_time, a
# start position; label and example read by a neuron (recorded); 1 and 2 threads and 1
# and 2 MPI ranks bitwise identical; an SHD-layout HDF5 file (written by h5py) gives the
# same spikes as the .npy directory; bad data sets stop the run with the file and fault.
set -euo pipefail
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # ds_order.py
source tests/lib/dsin.sh # dsin_build: the model m.lua, the data set ds/, the simulator b/
cd "$WORK"
dsin_build
run() { b/dsin --time 40 --quiet --set datasets.In.file=ds "$@"; }
run --output seq
run --output shuf --set datasets.In.order=shuffle --set datasets.In.seed=17
run --output shuf_t2 --set datasets.In.order=shuffle --set datasets.In.seed=17 --set threads=2
run --output steps --set datasets.In.example_steps=13 --set datasets.In.start=4
printf 'datasets:\n  In:\n    file: ds\n    order: shuffle\n    example_time: 7.5\n' >c.yaml
b/dsin --time 60 --quiet --config c.yaml --seed 3 --output cfg
$PY - <<'PY'
import numpy as np
from ds_order import M, splitmix, order  # tests/lib/ds_order.py
t = np.load("ds/times.npy"); u = np.load("ds/units.npy")
off = np.load("ds/offsets.npy"); lab = np.load("ds/labels.npy")
n, dt = len(lab), 0.5
step = lambda x: max(0, int(np.floor(x / dt + 0.5)) - 1)
L_data = max(step(x) for x in t) + 1
def expect(steps, L, shuffle, seed, start=0):
    spikes, labs, exs = set(), [], []
    for q in range(-(-steps // L)):
        j = start + q
        ex = order(n, seed, j // n)[j % n] if shuffle else j % n
        for s in range(off[ex], off[ex + 1]):
            st = q * L + step(t[s])
            if st < steps:
                spikes.add((st, int(u[s])))
        labs += [lab[ex]] * L; exs += [ex] * L
    return sorted(spikes), labs[:steps], exs[:steps]
def got(o):
    s = np.load(f"{o}/spikes_In.npy")
    sp = sorted((int(round(x / dt)) - 1, int(i)) for x, i in s.tolist())
    assert len(sp) == len(set(sp)), "a neuron fired twice in one step"
    L = np.load(f"{o}/P_L.npy")["v"]; X = np.load(f"{o}/P_X.npy")["v"]
    assert (L == L[:, :1]).all() and (X == X[:, :1]).all()
    return sp, list(L[:, 0]), list(X[:, 0])
def check(o, steps, L, shuffle, seed, start=0):
    e, g = expect(steps, L, shuffle, seed, start), got(o)
    assert g[0] == e[0], (o, g[0][:8], e[0][:8])
    assert g[1] == [float(x) for x in e[1]], (o, g[1], e[1])
    assert g[2] == [float(x) for x in e[2]], (o, g[2], e[2])
    # every input spike reaches each probe neuron once, one step later (delta synapses)
    C = np.load(f"{o}/P_C.npy")["v"][:, 0]
    assert C[-1] == sum(1 for s, _ in e[0] if s < steps - 1), (C[-1], len(e[0]))
    # Q: delay 1 ms = 2 steps; on_pre runs in the arrival step and reads its label
    Q = np.load(f"{o}/Q_C.npy")["v"][:, 0]
    want = sum(1.0 + e[1][s + 2] for s, _ in e[0] if s + 2 < steps)
    assert Q[-1] == want, (Q[-1], want)
    print(f"{o}: {len(e[0])} spikes, labels and examples exact (L = {L})")
assert L_data == 10, L_data   # the latest spike (<= 5.2 ms) in step 9
check("seq", 80, L_data, False, 0)
check("shuf", 80, L_data, True, 17)
check("steps", 80, 13, False, 0, start=4)
check("cfg", 120, 15, True, 3)        # example_time 7.5 ms = 15 steps; the run's seed
assert got("seq")[0] != got("shuf")[0]
assert order(9, 17, 0) != order(9, 17, 1)    # each epoch its own order
PY
grep -qF '"datasets": {"In": {"file": "ds", "order": "shuffle", "seed": 17, "example_steps": 10, "examples": 9, "start": 0, "presented": 8}}' shuf/run.json
grep -qF '"datasets": {"In": {"file": "ds", "order": "shuffle", "seed": 3, "example_steps": 15, "examples": 9, "start": 0, "presented": 8}}' cfg/run.json
echo "run.json names the data set, its order, seed and length"
# limit: the first 4 examples of the 9 (sequential: examples 0 1 2 3 0 1 ...)
run --output lim --set datasets.In.limit=4
grep -qF '"datasets": {"In": {"file": "ds", "limit": 4, "order": "sequential", "seed": 1234, "example_steps": 10, "examples": 4, "start": 0, "presented": 8}}' lim/run.json
$PY -c "
import numpy as np
X = np.load('lim/P_X.npy')['v'][:, 0]; S = np.load('seq/spikes_In.npy'); L = np.load('lim/spikes_In.npy')
assert list(X) == [float((q // 10) % 4) for q in range(80)], X
# positions 0-3 equal the sequential run's, positions 4-7 repeat them
assert S[S['t'] <= 20].tolist() == L[L['t'] <= 20].tolist()
assert len(L) == 2 * len(S[S['t'] <= 20]) > 10
"
echo "limit: the first examples only"
for f in spikes_In.npy P_L.npy P_X.npy P_C.npy Q_C.npy; do cmp shuf/$f shuf_t2/$f; done
echo "1 and 2 threads: identical"
# Open MPI's own allocations look like leaks to LeakSanitizer (make asan), as in mpi.sh
if command -v mpirun >/dev/null && [ -f "$OLDPWD/${BUILD:-build}/lib/libsnnrt_mpi.a" ]; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    "$SNNCC" -q --mpi m.lua -o bm
    mpirun --oversubscribe -np 1 bm/dsin --time 40 --quiet --set datasets.In.file=ds \
        --set datasets.In.order=shuffle --set datasets.In.seed=17 --output mpi1
    mpirun --oversubscribe -np 2 bm/dsin --time 40 --quiet --set datasets.In.file=ds \
        --set datasets.In.order=shuffle --set datasets.In.seed=17 --output mpi2
    for f in spikes_In.npy P_L.npy P_X.npy P_C.npy Q_C.npy; do
        cmp shuf/$f mpi1/$f
        cmp shuf/$f mpi2/$f
    done
    echo "1 and 2 MPI ranks: identical"
fi
# the SHD layout (HDF5: spikes/times in s and spikes/units as one variable-length array per
# example, labels), written by h5py, against the .npy directory of the same spikes
if $PY -c "import h5py" 2>/dev/null; then
    $PY - <<'PY'
import h5py, numpy as np, os
t = np.load("ds/times.npy"); u = np.load("ds/units.npy")
off = np.load("ds/offsets.npy"); lab = np.load("ds/labels.npy")
ts = (t / 1000.0).astype(np.float32)                 # seconds, as SHD stores them
def shd(name, units=u, drop=None):
    with h5py.File(name, "w") as f:
        for key, data, dt in (("spikes/times", ts, np.float32), ("spikes/units", units, np.uint16)):
            if key == drop:
                continue
            d = f.create_dataset(key, (len(lab),), dtype=h5py.vlen_dtype(np.dtype(dt)))
            for k in range(len(lab)):
                d[k] = data[off[k]:off[k + 1]].astype(dt)
        if drop != "labels":
            f.create_dataset("labels", data=lab)
        f.create_dataset("extra/speaker", data=np.zeros(len(lab), np.uint8))
shd("shd.h5")
bad_u = u.copy(); bad_u[4] = 6
shd("shd_unit.h5", units=bad_u)
shd("shd_nounits.h5", drop="spikes/units")
os.makedirs("ds_ms", exist_ok=True)                  # the same spikes in ms, as snncc reads them
np.save("ds_ms/times.npy", ts.astype(np.float64) * 1000.0)
for a in ("units", "offsets", "labels"):
    np.save(f"ds_ms/{a}.npy", np.load(f"ds/{a}.npy"))
with h5py.File("flat.h5", "w") as f:
    f.create_dataset("spikes/times", data=ts); f.create_dataset("spikes/units", data=u)
    f.create_dataset("labels", data=lab)
PY
    for o in h5:shd.h5 npy:ds_ms; do
        b/dsin --time 40 --quiet --set datasets.In.file="${o#*:}" --set datasets.In.order=shuffle \
            --output "${o%%:*}"
    done
    for f in spikes_In.npy P_L.npy P_X.npy P_C.npy Q_C.npy; do cmp h5/$f npy/$f; done
    $PY -c "import numpy as np; assert len(np.load('h5/spikes_In.npy')) > 40"
    echo "HDF5 (SHD layout) and .npy: identical spikes, labels and examples"
    if b/dsin --time 10 --quiet --output of --set datasets.In.file=shd_unit.h5 2>err; then exit 1; fi
    grep -qF "shd_unit.h5: spikes/units: spike 4 (example 0) has unit 6, but the population has 6 neurons" err
    if b/dsin --time 10 --quiet --output of --set datasets.In.file=shd_nounits.h5 2>err; then exit 1; fi
    grep -qF "shd_nounits.h5: no dataset 'spikes/units' (the SHD layout: spikes/times, spikes/units and labels)" err
    if b/dsin --time 10 --quiet --output of --set datasets.In.file=flat.h5 2>err; then exit 1; fi
    grep -qF "flat.h5: 'spikes/times' must hold one variable-length array of floats per example, as SHD's" err
    if b/dsin --time 10 --quiet --output of --set datasets.In.file=none.h5 2>err; then exit 1; fi
    grep -qF "none.h5: No such file or directory" err
    echo "bad HDF5 files: clear errors"
else
    echo "h5py missing: the HDF5 part is skipped"
fi
fails() { # expected-message args...
    local want=$1
    shift
    if b/dsin --time 10 --quiet --output of "$@" 2>err; then echo "FAIL: $* ran"; exit 1; fi
    grep -qF "$want" err || { echo "FAIL: want '$want', got:"; cat err; exit 1; }
}
# bad data sets: each a copy of ds with one fault
bad() { # name python-statement
    rm -rf "$1"; cp -r ds "$1"
    (cd "$1" && $PY -c "import numpy as np; $2")
}
bad b_unit "u = np.load('units.npy'); u[4] = 6; np.save('units.npy', u)"
bad b_label "l = np.load('labels.npy'); l[3] = 4; np.save('labels.npy', l)"
bad b_nan "t = np.load('times.npy'); t[5] = np.nan; np.save('times.npy', t)"
bad b_neg "t = np.load('times.npy'); t[0] = -1; np.save('times.npy', t)"
bad b_sort "t = np.load('times.npy'); o = np.load('offsets.npy'); t[o[1]:o[1]+2] = [3.0, 1.0]; np.save('times.npy', t)"
bad b_len "np.save('units.npy', np.load('units.npy')[:-1])"
bad b_off "np.save('offsets.npy', np.load('offsets.npy')[:-1])"
bad b_offend "o = np.load('offsets.npy'); o[-1] -= 1; np.save('offsets.npy', o)"
bad b_ftype "np.save('times.npy', np.load('times.npy').astype(np.int64))"
bad b_utype "np.save('units.npy', np.load('units.npy').astype(np.float32))"
bad b_none "import os; os.remove('labels.npy')"
bad b_uneg "u = np.load('units.npy').astype(np.int32); u[2] = -1; np.save('units.npy', u)"
bad b_lneg "l = np.load('labels.npy').astype(np.int32); l[1] = -1; np.save('labels.npy', l)"
bad b_huge "t = np.load('times.npy'); t[-1] = 1e300; np.save('times.npy', t)"
fails "datasets.In (--set 'datasets.In.file=b_unit'): b_unit/units.npy: spike 4 (example 0) has unit 6, but the population has 6 neurons (units 0 .. 5)" --set datasets.In.file=b_unit
fails "b_label/labels.npy: example 3 has label 4, but the population declares classes = 4 (labels 0 .. 3)" --set datasets.In.file=b_label
fails "b_nan/times.npy: spike 5 (example 0) has time nan ms; times must be finite and >= 0" --set datasets.In.file=b_nan
fails "b_neg/times.npy: spike 0 (example 0) has time -1 ms; times must be finite and >= 0" --set datasets.In.file=b_neg
fails "b_sort/times.npy: example 1 is not sorted by time" --set datasets.In.file=b_sort
fails "b_len/units.npy: " --set datasets.In.file=b_len
fails "values, but times.npy has" --set datasets.In.file=b_len
fails "b_off/offsets.npy: 9 values, but labels.npy has 9 examples, so offsets.npy needs 10" --set datasets.In.file=b_off
fails "b_offend/offsets.npy: must start at 0 and end at the number of spikes" --set datasets.In.file=b_offend
fails "b_ftype/times.npy: a float32 or float64 array is expected" --set datasets.In.file=b_ftype
fails "b_utype/units.npy: an integer array is expected" --set datasets.In.file=b_utype
fails "b_none/labels.npy: No such file or directory" --set datasets.In.file=b_none
fails "b_uneg/units.npy: spike 2 (example 0) has unit -1, but the population has 6 neurons (units 0 .. 5)" --set datasets.In.file=b_uneg
fails "b_lneg/labels.npy: example 1 has label -1; labels are class numbers from 0" --set datasets.In.file=b_lneg
fails "b_huge/times.npy: example 8 has a spike at 1e+300 ms, beyond the longest example supported (4294967295 steps of 0.5 ms)" --set datasets.In.file=b_huge
fails "beyond example_steps (4 steps of 0.5 ms)" --set datasets.In.file=ds --set datasets.In.example_steps=4
printf 'datasets:\n  In:\n    file: ds\n    example_time: 3.0\n' >short.yaml
fails "datasets.In (short.yaml:4): ds/times.npy: example 0 has a spike at" --config short.yaml
fails "beyond example_time (6 steps of 0.5 ms)" --config short.yaml
fails "population 'In' is a spike_source_dataset: the run config needs its data set"
fails "population 'P' is not a spike_source_dataset, so it cannot take a data set" --set datasets.P.file=ds
fails "'datasets': the model has no population 'Inn' (did you mean 'In'?)" --set datasets.Inn.file=ds
fails "'datasets.In.order' must be sequential or shuffle (got 'random')" --set datasets.In.order=random
fails "'datasets.In': unknown key 'fille' (did you mean 'file'?)" --set datasets.In.fille=ds
fails "population 'In' is a spike_source_dataset: its spikes come from its data set" --set spike_times.In=x.txt
echo "bad data sets and configs: clear errors"
