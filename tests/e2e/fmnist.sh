#!/usr/bin/env bash
# Fashion-MNIST / IDX images as a data set (run config datasets: { In: { file, labels,
# encode: log_latency, tau, threshold, limit } }; docs/datasets.md): the spikes a
# spike_source_dataset population emits equal a NumPy implementation of mlGeNN's
# log_latency_encode_data (pixel x > threshold spikes once at tau ln(x / (x - threshold))
# ms, in the example's step round(t / dt) - 1) spike for spike, and the labels read by a
# neuron equal the file's: on small IDX files the test writes (gzip and plain), and on the
# first 100 real images of Debian's dataset-fashion-mnist where it is installed.  Bad IDX
# files (wrong magic, wrong dimensions, truncated, counts that differ, a label >= classes,
# a missing labels key) stop the run with the file and the byte or field at fault.
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "fm", dt = 1.0, precision = "double" }
local In = population { "In", spike_source_dataset { classes = 10 }, 784 }
local probe = neuron { name = "probe", vars = { L = 0.0 }, sim = "L = label;" }
local P = population { "P", probe, 1 }
projection { In, P, conn = all_to_all(), weight = 0.0, psm = delta() }
record { In = "spikes", P = { "L" } }
LUA
cd "$WORK"
$PY - <<'PY'
import numpy as np, gzip, struct
rng = np.random.default_rng(7)
img = rng.integers(0, 256, (7, 28, 28)).astype(np.uint8)
img[0] = 0; img[0, 3, 4] = 52; img[0, 27, 27] = 255; img[0, 0, 0] = 51   # edge intensities
lab = np.array([3, 0, 9, 1, 5, 5, 2], np.uint8)
def idx(path, a, magic, opener=gzip.open):
    with opener(path, "wb") as f:
        f.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in a.shape))
        f.write(a.tobytes())
idx("img.gz", img, 0x803); idx("lab.gz", lab, 0x801); idx("lab", lab, 0x801, open)
idx("bad_magic.gz", img, 0x0C03)                   # int32 data, not unsigned bytes
idx("lab_as_img.gz", lab, 0x801)
idx("img_20.gz", img[:, :20, :], 0x803)            # 20 x 28 pixels
idx("lab6.gz", lab[:6], 0x801)
idx("lab_big.gz", np.array([3, 0, 10, 1, 5, 5, 2], np.uint8), 0x801)
raw = gzip.decompress(open("img.gz", "rb").read())
with gzip.open("trunc.gz", "wb") as f:
    f.write(raw[:16 + 784 * 3 + 100])              # a whole gzip of a short file
open("cut.gz", "wb").write(open("img.gz", "rb").read()[:3000])  # a cut gzip stream
PY
"$SNNCC" -q m.lua -o b
b/fm --time 700 --quiet --output g --set datasets.In.file=img.gz --set datasets.In.labels=lab.gz \
    --set datasets.In.example_steps=100
printf 'datasets:\n  In:\n    file: img.gz\n    labels: lab\n    encode: log_latency\n    tau: 10\n    threshold: 100\n    limit: 4\n' >c.yaml
b/fm --time 500 --quiet --output c --config c.yaml
cat >check.py <<'PY'
import numpy as np, gzip, sys
def load(path):
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * d:8 + 4 * d], "big") for d in range(nd)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)
def encode(images, tau, thr):   # mlGeNN's log_latency_encode_data, per example
    out = []
    for x in images.reshape(len(images), -1).astype(np.float64):
        on = x > thr
        out.append((np.nonzero(on)[0], tau * np.log(x[on] / (x[on] - thr))))
    return out
def check(o, images, labels, L, tau=20.0, thr=51.0, n=None, dt=1.0):
    ex = encode(images[:n], tau, thr)
    if L is None:   # from the data: the latest spike's step + 1
        L = max(int(np.floor(t.max() / dt + 0.5)) for _, t in ex)
    lab = labels[:len(ex)]
    steps = int(round(np.load(f"{o}/P_L.npy")["t"][-1] / dt))
    want = set()
    for q in range(-(-steps // L)):     # position q of the run: example q mod E
        u, t = ex[q % len(ex)]
        st = np.maximum(0, np.floor(t / dt + 0.5).astype(np.int64) - 1)
        assert st.max() < L, (q, st.max(), L)
        want |= {(q * L + int(s), int(c)) for s, c in zip(st, u) if q * L + s < steps}
    s = np.load(f"{o}/spikes_In.npy")
    got = [(int(round(x / dt)) - 1, int(i)) for x, i in s.tolist()]
    assert len(got) == len(set(got))
    assert set(got) == want, (o, sorted(set(got) ^ want)[:10])
    Lv = np.load(f"{o}/P_L.npy")["v"][:, 0]
    assert list(Lv) == [float(lab[(q // L) % len(lab)]) for q in range(len(Lv))], o
    print(f"{o}: {len(want)} spikes ({len(ex)} examples, L = {L}) and the labels exact")
if __name__ == "__main__":
    imgs, labs = load("img.gz"), load("lab.gz")
    check("g", imgs, labs, 100)
    check("c", imgs, labs, None, tau=10.0, thr=100.0, n=4)   # L from the data
    e0 = encode(imgs[:1], 20.0, 51.0)[0]
    assert list(e0[0]) == [3 * 28 + 4, 27 * 28 + 27], e0      # 51 silent, 52 and 255 spike
PY
$PY check.py
grep -qF '"datasets": {"In": {"file": "img.gz", "labels": "lab.gz", "encode": "log_latency", "tau": 20, "threshold": 51, "order": "sequential", "seed": 1234, "example_steps": 100, "examples": 7, "start": 0, "presented": 7}}' g/run.json
grep -qF '"datasets": {"In": {"file": "img.gz", "labels": "lab", "encode": "log_latency", "tau": 10, "threshold": 100, "limit": 4, "order": "sequential", "seed": 1234, "example_steps": 46, "examples": 4, "start": 0, "presented": 11}}' c/run.json
echo "run.json: the IDX data set, 4 examples with limit: 4"
fails() { # expected-message args...
    local want=$1
    shift
    if b/fm --time 10 --quiet --output of "$@" 2>err; then echo "FAIL: $* ran"; exit 1; fi
    grep -qF "$want" err || { echo "FAIL: want '$want', got:"; cat err; exit 1; }
}
D=datasets.In
fails "bad_magic.gz: not an IDX file of unsigned bytes: magic number 0x00000c03 at byte 0 (IDX images: 0x00000803)" \
    --set $D.file=bad_magic.gz --set $D.labels=lab.gz
fails "lab_as_img.gz: an IDX file of 1 dimensions (magic 0x00000801 at byte 0), but IDX images have 3 (0x00000803): is this the labels file?" \
    --set $D.file=lab_as_img.gz --set $D.labels=lab.gz
fails "img.gz: an IDX file of 3 dimensions (magic 0x00000803 at byte 0), but IDX labels have 1 (0x00000801): is this the images file?" \
    --set $D.file=img.gz --set $D.labels=img.gz
fails "img_20.gz: images of 20 x 28 = 560 pixels, but the population has 784 neurons (one per pixel)" \
    --set $D.file=img_20.gz --set $D.labels=lab.gz
fails "lab6.gz: 6 labels, but img.gz has 7 images" --set $D.file=img.gz --set $D.labels=lab6.gz
fails "lab_big.gz: example 2 (byte 10) has label 10, but the population declares classes = 10 (labels 0 .. 9)" \
    --set $D.file=img.gz --set $D.labels=lab_big.gz
fails "trunc.gz: truncated: image 3 needs 784 bytes at byte 2368 (uncompressed), the file ends after 100" \
    --set $D.file=trunc.gz --set $D.labels=lab.gz
fails "cut.gz: truncated: image " --set $D.file=cut.gz --set $D.labels=lab.gz
grep -qF ": unexpected end of file" err   # zlib's word for a cut gzip stream
fails "none-idx3-ubyte.gz is an IDX images file: give its labels file too, e.g. datasets: { In: { file: none-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz } }" \
    --set $D.file=none-idx3-ubyte.gz
fails "nofile.gz: No such file or directory" --set $D.file=nofile.gz --set $D.labels=lab.gz
fails "'datasets.In.encode' must be log_latency (the one encoding of IDX images; got" \
    --set $D.file=img.gz --set $D.labels=lab.gz --set $D.encode=rate
fails "'datasets.In.threshold' must be an intensity from 0 to below 255 (got" \
    --set $D.file=img.gz --set $D.labels=lab.gz --set $D.threshold=300
echo "bad IDX files and keys: clear errors"
# the real data set (Debian dataset-fashion-mnist), first 100 test images
FM=/usr/share/datasets/fashion-mnist
if [ -f $FM/t10k-images-idx3-ubyte.gz ]; then
    b/fm --time 10000 --quiet --output real --set $D.file=$FM/t10k-images-idx3-ubyte.gz \
        --set $D.labels=$FM/t10k-labels-idx1-ubyte.gz --set $D.limit=100 --set $D.example_steps=100
    $PY - <<PY
import sys; sys.argv = ["x"]
from check import load, check
check("real", load("$FM/t10k-images-idx3-ubyte.gz")[:100], load("$FM/t10k-labels-idx1-ubyte.gz")[:100], 100)
PY
else
    echo "$FM missing (apt-get install dataset-fashion-mnist): the real-data part is skipped"
fi
