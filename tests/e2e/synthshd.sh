#!/usr/bin/env bash
# SynthSHD (tools/synthshd.c, docs/datasets.md): a tiny set (2 classes x 2 speakers x 2
# repetitions, one speaker held out) is written in the SHD layout and loads in a
# spike_source_dataset run (the recorded input spikes are the file's, binned at 1 ms);
# the same seed gives the same bytes (1 and 2 threads), another seed other bytes; labels,
# speakers and keys are those requested, the held-out speaker only in the test file; mean
# rates lie in the documented range; the gammatone channel's impulse and frequency
# response match the analytical 4th-order gammatone of bandwidth 1.019 ERB(fc) (NumPy);
# the centre frequencies are ERB-spaced from 50 Hz to 8 kHz.
set -euo pipefail
G="$OLDPWD/${BUILD:-build}/bin/snncc-synthshd"
if [ ! -x "$G" ]; then
    echo "SKIP: snncc-synthshd not built (needs libespeak-ng-dev and libhdf5-dev)"
    exit 0
fi
if ! $PY -c "import h5py" 2>/dev/null; then
    echo "SKIP: python3-h5py missing"
    exit 0
fi
cd "$WORK"
tiny=(--classes 3,13 --speakers 2 --test-speakers 1 --reps 2 --quiet)
"$G" "${tiny[@]}" --out a --threads 2
"$G" "${tiny[@]}" --out b --threads 1
"$G" "${tiny[@]}" --out c --seed 2
cmp a/synthshd_train.h5 b/synthshd_train.h5
cmp a/synthshd_test.h5 b/synthshd_test.h5
if cmp -s a/synthshd_train.h5 c/synthshd_train.h5; then echo "FAIL: seeds 1 and 2 gave the same file"; exit 1; fi
echo "the same seed: the same bytes (1 and 2 threads); another seed: other bytes"
"$G" --impulse 200 --samples 16384 >ir200.txt
"$G" --impulse 1000 --samples 16384 >ir1000.txt
"$G" --impulse 4000 --samples 16384 >ir4000.txt
"$G" --centres >centres.txt
$PY - <<'PY'
import h5py, numpy as np
erb = lambda f: 24.7 * (4.37 * f / 1000 + 1)
fs = 22050.0
# the filterbank: ERB-rate-spaced centres
fc = np.loadtxt("centres.txt")
assert len(fc) == 700 and abs(fc[0] - 50) < 1e-3 and abs(fc[-1] - 8000) < 1e-3, fc[[0, -1]]
e = 21.4 * np.log10(1 + 0.00437 * fc)
assert np.allclose(np.diff(e), (e[-1] - e[0]) / 699, rtol=1e-6)
for f0 in (200, 1000, 4000):
    h = np.loadtxt(f"ir{f0}.txt")
    b = 1.019 * erb(f0)
    H = np.abs(np.fft.rfft(h, 1 << 18)); f = np.fft.rfftfreq(1 << 18, 1 / fs)
    k0 = np.argmin(abs(f - f0))
    # gain 1 at fc, the peak at fc, the equivalent rectangular bandwidth ERB(fc)
    # (analytical: int |H|^2 df / |H(fc)|^2 = b pi 6! / (2^6 3!^2) = 0.98175 b = 1.0004 ERB)
    assert abs(H[k0] - 1) < 0.01 * (1 + f0 / 2000), (f0, H[k0])   # the image at -fc
    assert abs(f[np.argmax(H)] - f0) < 0.01 * f0, (f0, f[np.argmax(H)])
    E = np.sum(H ** 2) * (f[1] - f[0]) / H[k0] ** 2
    assert abs(E / erb(f0) - 1) < 0.005, (f0, E, erb(f0))   # 1.0 instead of 1.019: 1.8% off
    # magnitude at fc +- b, 2b: (1 + (df / b)^2)^-2 = 1/4, 1/25 (the gammatone's own)
    for m, want in ((1, 0.25), (2, 0.04)):
        for s in (-1, 1):
            got = H[np.argmin(abs(f - (f0 + s * m * b)))] / H[k0]
            assert abs(got / want - 1) < 0.06, (f0, m, s, got, want)
    # impulse response: envelope t^3 exp(-2 pi b t), peak at 3 / (2 pi b)
    n = np.arange(len(h)); t = n / fs
    env = np.abs(np.fft.ifft(np.fft.fft(h) * np.r_[1, 2 * np.ones(len(h) // 2 - 1), 1,
                                                    np.zeros(len(h) // 2 - 1)]))
    ref = t ** 3 * np.exp(-2 * np.pi * b * t)
    assert abs(t[np.argmax(env)] - 3 / (2 * np.pi * b)) < 2.5 / fs, (f0, t[np.argmax(env)])
    r = np.corrcoef(env, ref)[0, 1]
    assert r > 0.99, (f0, r)
    # and exactly the sampled cascade: 2 (1 - a)^4 C(n + 3, 3) a^n cos(w n)
    a, w = np.exp(-2 * np.pi * b / fs), 2 * np.pi * f0 / fs
    exact = 2 * (1 - a) ** 4 * (n + 1) * (n + 2) * (n + 3) / 6 * a ** n * np.cos(w * n)
    assert np.allclose(h, exact, atol=1e-5 * abs(exact).max()), (f0, abs(h - exact).max())
    print(f"gammatone at {f0} Hz: gain {H[k0]:.4f}, ERB {E:.2f} Hz (formula {erb(f0):.2f}), "
          f"envelope r {r:.5f}")
# the files: the SHD layout, labels, speakers, keys, rates
tr, te = h5py.File("a/synthshd_train.h5"), h5py.File("a/synthshd_test.h5")
for f, spk in ((tr, 0), (te, 1)):
    assert list(f["labels"][:]) == [3, 3, 13, 13], f["labels"][:]
    assert list(f["extra/speaker"][:]) == [spk] * 4, f["extra/speaker"][:]
    keys = [k.decode() for k in f["extra/keys"][:]]
    assert [k.split("-")[0] for k in keys] == ["three", "three", "drei", "drei"], keys
    assert len(f["spikes/times"]) == len(f["spikes/units"]) == 4
    for k in range(4):
        t, u = f["spikes/times"][k], f["spikes/units"][k]
        assert t.dtype == np.float32 and u.dtype == np.uint16 and len(t) == len(u)
        assert (np.diff(t) >= 0).all() and u.max() < 700
        assert np.allclose(t * 1e4, np.round(t * 1e4), atol=1e-2)   # 0.1 ms steps
        rate = len(t) / 700 / (t.max() + 1e-3)
        assert 2 < rate < 40, (k, rate)                           # docs/datasets.md
        assert len(np.unique(u)) > 150                            # many channels take part
print("labels, speakers (held-out only in the test file), keys and rates as documented")
PY
cat >m.lua <<'LUA'
network { name = "shd", dt = 1.0, precision = "double" }
local In = population { "In", spike_source_dataset { classes = 20 }, 700 }
local probe = neuron { name = "probe", vars = { L = 0.0 }, sim = "L = label;" }
local P = population { "P", probe, 1 }
projection { In, P, conn = all_to_all(), weight = 0.0, psm = delta() }
record { In = "spikes", P = { "L" } }
LUA
"$SNNCC" -q m.lua -o sim
sim/shd --time 4000 --quiet --output run --set datasets.In.file=a/synthshd_test.h5 \
    --set datasets.In.example_steps=1000
$PY - <<'PY'
import h5py, numpy as np
f = h5py.File("a/synthshd_test.h5")
want = set()
for k in range(4):
    t = f["spikes/times"][k].astype(np.float64) * 1000.0
    st = np.maximum(0, np.floor(t + 0.5).astype(np.int64) - 1)
    want |= {(k * 1000 + int(s), int(u)) for s, u in zip(st, f["spikes/units"][k])}
s = np.load("run/spikes_In.npy")
got = {(int(round(x)) - 1, int(i)) for x, i in s.tolist()}
assert got == want and len(got) == len(s), (len(got), len(want), len(s))
L = np.load("run/P_L.npy")["v"][:, 0]
assert list(L) == [float(f["labels"][q // 1000]) for q in range(4000)]
print(f"the test file in a spike_source_dataset run: {len(got)} spikes and the labels exact")
PY
