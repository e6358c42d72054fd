#!/usr/bin/env bash
# User-defined connectivity (connectivity{}), read back through the network: source i of
# a population fires exactly once, in step 2 i, and every target stores Isyn (weight 1,
# delay one step) in each step, so the recording of step 2 i + 1 is row i of the synapse
# matrix.  Checked:
#   pair form, deterministic: prob = "i == j ? 1 : 0" gives exactly i -> i (and the
#     checksum of one_to_one); a band from condition; a wide band = all_to_all;
#   row form, deterministic: a ring (count, target with mod()) gives exactly the ring,
#     and the same synapses (checksum) as the ring written in the pair form;
#   both forms exactly against an independent implementation of their documented random
#     numbers (Philox4x32-10 and the streams, in numpy): the Gaussian profile on a 16 x 16
#     torus (pair (i, j) connects iff word i of element j < p 2^32) and a random row rule
#     (count and targets from uniform() of element i);
#   statistics: the Gaussian torus of the topographic map at n = 64 (4096 x 4096 pairs,
#     built, not simulated), feed-forward (p_peak 0.16, sigma 2.5) and lateral (1.0, 1.0):
#     synapse counts within 5 sd of the exact expectation, whose mean in-degree is
#     2 pi p_peak sigma^2;
#   the same network for 1 and 3 threads, 1 and 2 MPI ranks (snncc --mpi), and with
#     format = "dense" (pair and row form) and "procedural" (row form, also with random
#     weights); --seed changes the random rules only; --dump shows the code.
set -euo pipefail
cat >"$WORK/snip.lua" <<'LUA'
network { name = "snip", dt = 0.1, seed = 5 }
local dense = param("dense", 0) == 1
-- source i fires once, in step 2 i
local src = neuron {
  name = "src", vars = { fired = 0.0 },
  threshold = "t >= 0.2 * id - 0.05 && fired < 0.5", reset = "fired = 1.0;",
}
local probe = neuron { name = "probe", vars = { I = 0.0 }, sim = "I = Isyn;" }

local diag = connectivity { name = "diag", prob = "i == j ? 1 : 0" }
local band = connectivity {
  name = "band", params = { w = 2 },
  condition = "abs(i - j) <= w", prob = "1",
}
local ring = connectivity {               -- i -> i +- 1 .. w, periodic
  name = "ring", params = { w = 2 },
  count = "2 * w",
  target = [[
    scalar d = k < w ? k - w : k - w + 1;   // -w .. -1, 1 .. w
    mod(i + d, N_post)
  ]],
}
local ring_pairs = connectivity {
  name = "ring_pairs", params = { w = 2 },
  prob = "scalar d = mod(j - i, N_post); d >= 1 && d <= w || d >= N_post - w ? 1 : 0",
}
local rand_rows = connectivity {
  name = "rand_rows", count = "1 + floor(3 * uniform())", target = "floor(uniform() * N_post)",
}
local gauss = connectivity {              -- topographic_map.md 3.5
  name = "gauss_torus",
  params = { p_peak = 0.16, sigma = 2.5, n = 16 },
  prob = [[
    scalar dx = abs(mod(i, n) - mod(j, n));  dx = min(dx, n - dx);
    scalar dy = abs(div(i, n) - div(j, n));  dy = min(dy, n - dy);
    p_peak * exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma))
  ]],
}

local S = population { "S", src, 40 }
local G = population { "G", src, 256 }
local T = {}
for k = 1, 9 do T[k] = population { "T" .. k, probe, 40 } end
local TG = population { "TG", probe, 256 }
local function p(pre, post, conn, name, fmt)
  projection { pre, post, name = name, conn = conn, weight = 1.0, format = fmt }
end
p(S, T[1], diag, "diag")
p(S, T[2], band, "band")
p(S, T[3], ring { w = 3 }, "ring", dense and "dense" or nil)
p(S, T[4], ring_pairs { w = 3 }, "ring_pairs")
p(S, T[5], rand_rows, "rand_rows", dense and "procedural" or nil)
p(S, T[6], one_to_one(), "o2o")
p(S, T[7], band { w = 1000 }, "wide")
p(S, T[8], all_to_all(), "a2a")
p(G, TG, gauss, "gauss16", dense and "dense" or nil)
projection { S, T[9], name = "ring_w", conn = ring, weight = uniform(0.5, 1.5),
             format = dense and "procedural" or nil }
-- built, not simulated: the topographic map's feed-forward and lateral projections
local n = 64
local B1 = population { "B1", lif, n * n }
local B2 = population { "B2", lif, n * n }
p(B1, B2, gauss { n = n }, "ff")
p(B2, B2, gauss { n = n, p_peak = 1.0, sigma = 1.0 }, "lat")
local rec = { S = "spikes", G = "spikes", TG = "I" }
for k = 1, 8 do rec["T" .. k] = "I" end
record(rec)
LUA
"$SNNCC" -q "$WORK/snip.lua" -o "$WORK/sim"
"$SNNCC" -q -D dense=1 "$WORK/snip.lua" -o "$WORK/simd"
"$WORK/sim/snip" --time 52 --output "$WORK/a" --quiet
"$WORK/sim/snip" --time 52 --output "$WORK/b" --quiet --set threads=3 2>/dev/null
"$WORK/simd/snip" --time 52 --output "$WORK/d" --quiet
"$WORK/sim/snip" --time 1 --output "$WORK/s6" --quiet --seed 6
"$SNNCC" --dump "$WORK/snip.lua" >"$WORK/dump.txt"
grep -q "^projection gauss16 G -> TG conn=gauss_torus(pair form, n=16, p_peak=0.16, sigma=2.5) weight=1" "$WORK/dump.txt"
grep -q "p_peak \* exp(-(dx \* dx + dy \* dy) / (2.0 \* sigma \* sigma))" "$WORK/dump.txt"
grep -q "^projection ring S -> T3 conn=ring(row form, w=3) weight=1" "$WORK/dump.txt"
MPI=0
if command -v mpirun >/dev/null && [ -f "$(dirname "$SNNCC")/../lib/libsnnrt_mpi.a" ]; then
    MPI=1
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    "$SNNCC" -q --mpi "$WORK/snip.lua" -o "$WORK/simm"
    mpirun --oversubscribe -np 2 "$WORK/simm/snip" --time 52 --output "$WORK/m" --quiet
else
    echo "SKIP mpi part: no mpirun or libsnnrt_mpi.a"
fi
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # snn_rng.py
$PY - "$WORK" "$MPI" <<'PYEOF'
import json, math, sys
import numpy as np
work, mpi = sys.argv[1], sys.argv[2] == "1"
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


def projs(d):
    r = json.load(open(f"{work}/{d}/run.json"))
    return {p["name"]: (p["synapses"], p["checksum"]) for p in r["projections"]}


a = projs("a")
nsyn = {k: v[0] for k, v in a.items()}
chk = {k: v[1] for k, v in a.items()}


def matrix(pre_n, post):
    """The synapse matrix [pre, post] from the recording of post."""
    v = np.load(f"{work}/a/{post}_I.npy")["v"]
    m = np.rint(v[1:2 * pre_n:2]).astype(np.int64)
    check(np.array_equal(m, v[1:2 * pre_n:2]), f"{post}: whole numbers")
    check(not v[0:2 * pre_n:2].any() and not v[2 * pre_n:].any(),
          f"{post}: input only in the step after a source fired")
    return m


# the sources fired as planned
for pop, n in (("S", 40), ("G", 256)):
    s = np.load(f"{work}/a/spikes_{pop}.npy")
    check(np.array_equal(s["i"], np.arange(n)) and
          np.allclose(s["t"], (2 * np.arange(n) + 1) * 0.1), f"{pop}: source i fires in step 2 i")

# ---- deterministic rules: exact matrices and checksums of built-in equivalents ----------
I40 = np.arange(40)
d = (I40[None, :] - I40[:, None]) % 40     # d[i, j] = j - i mod 40
check(np.array_equal(matrix(40, "T1"), np.eye(40, dtype=int)) and nsyn["diag"] == 40,
      "pair form i == j ? 1 : 0: exactly i -> i")
check(chk["diag"] == chk["o2o"], "... the same synapses as one_to_one (checksum)")
band = (np.abs(I40[:, None] - I40[None, :]) <= 2).astype(int)
check(np.array_equal(matrix(40, "T2"), band) and nsyn["band"] == band.sum(),
      f"condition abs(i - j) <= 2, prob 1: the band ({band.sum()} synapses)")
check(chk["wide"] == chk["a2a"] and nsyn["wide"] == 1600, "band { w = 1000 }: all_to_all's synapses")
ring = (((d >= 1) & (d <= 3)) | (d >= 37)).astype(int)
check(np.array_equal(matrix(40, "T3"), ring) and nsyn["ring"] == 240,
      "row form ring { w = 3 }: i -> i +- 1..3 mod 40, 240 synapses")
check(np.array_equal(matrix(40, "T4"), ring) and chk["ring_pairs"] == chk["ring"],
      "the ring in the pair form: the same matrix and checksum")

# ---- the documented random numbers, reimplemented (tests/lib/snn_rng.py) --------------
from snn_rng import philox, stream_id


def words(seed, stream, elem, n):
    """Words 0..n-1 of (seed, stream, element elem, step 0), as snn_rng_u32 gives them."""
    nb = (n + 3) // 4
    ctr = [np.arange(nb, dtype=np.uint64), np.full(nb, elem, np.uint64), np.zeros(nb, np.uint64),
           np.full(nb, seed >> 32, np.uint64)]
    return np.stack(philox(ctr, (seed & 0xFFFFFFFF, stream)), axis=1).reshape(-1)[:n]


def uniform(w0, w1):
    x = ((int(w0) >> 5) << 26) | (int(w1) >> 6)
    return x / 9007199254740992.0 if x else 1.0 / 18014398509481984.0


def gauss_p(n, p_peak, sigma):
    idx = np.arange(n * n)
    x, y = idx % n, idx // n
    dx = np.abs(x[:, None] - x[None, :]).astype(float)
    dx = np.minimum(dx, n - dx)
    dy = np.abs(y[:, None] - y[None, :]).astype(float)
    dy = np.minimum(dy, n - dy)
    return p_peak * np.exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma))   # [i, j]


seed = 5
P = gauss_p(16, 0.16, 2.5)
st = stream_id("conn:gauss16")
want = np.zeros((256, 256), int)
for j in range(256):
    want[:, j] = words(seed, st, j, 256).astype(float) < P[:, j] * 4294967296.0
got = matrix(256, "TG")
check(np.array_equal(got, want) and nsyn["gauss16"] == want.sum(),
      f"Gaussian torus 16 x 16: exactly the pairs whose word is below p 2^32 ({want.sum()} synapses)")

st = stream_id("conn:rand_rows")
want = np.zeros((40, 40), int)
for i in range(40):
    w = words(seed, st, i, 16)
    cnt = 1 + math.floor(3 * uniform(w[0], w[1]))
    for k in range(cnt):
        want[i, math.floor(uniform(w[2 + 2 * k], w[3 + 2 * k]) * 40)] += 1
got = matrix(40, "T5")
check(np.array_equal(got, want) and nsyn["rand_rows"] == want.sum(),
      f"row form with uniform(): exactly the documented draws ({want.sum()} synapses, "
      f"{int((want > 1).sum())} multapse pairs)")

# ---- statistics of the topographic map's projections at n = 64 -----------------------
for name, pk, sg in (("ff", 0.16, 2.5), ("lat", 1.0, 1.0)):
    P = gauss_p(64, pk, sg)[:, 0]          # translation invariant: one column is enough
    N = 4096
    mean, var = N * P.sum(), N * (P * (1 - P)).sum()
    k_exp, k_obs = P.sum(), nsyn[name] / N
    check(abs(k_exp / (2 * math.pi * pk * sg * sg) - 1) < 1e-3,
          f"{name}: expected in-degree {k_exp:.4f} ~ 2 pi p sigma^2 = {2 * math.pi * pk * sg * sg:.4f}")
    check(abs(nsyn[name] - mean) < 5 * math.sqrt(var),
          f"{name}: mean in-degree {k_obs:.4f}, expected {k_exp:.4f} +- {math.sqrt(var) / N:.4f} (sd)")

# ---- the same network for any decomposition, dense storage, other seeds ---------------
b = projs("b")
check(a == b, "1 and 3 threads: identical synapse counts and checksums")
same = all(np.array_equal(np.load(f"{work}/a/{f}"), np.load(f"{work}/b/{f}"))
           for f in ["TG_I.npy", "T5_I.npy", "T3_I.npy"])
check(same, "1 and 3 threads: identical recordings")
dd = projs("d")
check(dd == a, "format = \"dense\" (ring, gauss16) and \"procedural\" (rand_rows, ring_w "
              "with random weights): the sparse synapses (checksums)")
check(all(np.array_equal(np.load(f"{work}/a/{f}"), np.load(f"{work}/d/{f}"))
          for f in ["TG_I.npy", "T3_I.npy", "T5_I.npy"]),
      "format = \"dense\" and \"procedural\": identical recordings")
if mpi:
    m = projs("m")
    check(m == a, "2 MPI ranks: identical synapse counts and checksums")
    check(np.array_equal(np.load(f"{work}/a/TG_I.npy"), np.load(f"{work}/m/TG_I.npy")),
          "2 MPI ranks: identical recordings")
s6 = projs("s6")
changed = {k for k in a if a[k][1] != s6[k][1]}
check(changed == {"rand_rows", "gauss16", "ff", "lat", "ring_w"},
      f"--seed 6 changes the random rules only (changed: {sorted(changed)})")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
