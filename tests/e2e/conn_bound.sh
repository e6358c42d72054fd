#!/usr/bin/env bash
# The pair form of connectivity{} with a declared bound (max_prob): candidate sources by
# geometric skips at the bound, each kept with probability prob / max_prob.  Read back as
# in conn_snippets.sh (source i fires once, in step 2 i; the targets record Isyn, so the
# recording of step 2 i + 1 is row i of the synapse matrix).  Checked:
#   exactly against a numpy/libm reimplementation of the documented random numbers: the
#     topographic Gaussian on a 16 x 16 torus with max_prob = "p_peak", and a rule with a
#     condition and a per-target max_prob in code (both with non-trivial thinning);
#   statistics: the topographic map's feed-forward projection at n = 64 (max_prob = p_peak
#     = 0.16; built, not simulated) and the lateral one at n = 32 (max_prob = 1: every
#     pair a candidate), synapse counts within 5 sd of the exact expectation;
#   the same network for 1 and 3 threads and 1 and 2 MPI ranks; --seed changes it;
#   models/topographic_map.lua -D conn_bound=1: the lateral projection unchanged, the
#   feed-forward one another draw of the same distribution.
set -euo pipefail
cat >"$WORK/bnd.lua" <<'LUA'
network { name = "bnd", dt = 0.1, seed = 5 }
local src = neuron {
  name = "src", vars = { fired = 0.0 },
  threshold = "t >= 0.2 * id - 0.05 && fired < 0.5", reset = "fired = 1.0;",
}
local probe = neuron { name = "probe", vars = { I = 0.0 }, sim = "I = Isyn;" }
local gauss = connectivity {              -- topographic_map.md 3.5, bounded
  name = "gauss_torus",
  params = { p_peak = 0.16, sigma = 2.5, n = 16 },
  prob = [[
    scalar dx = abs(mod(i, n) - mod(j, n));  dx = min(dx, n - dx);
    scalar dy = abs(div(i, n) - div(j, n));  dy = min(dy, n - dy);
    p_peak * exp(-(dx * dx + dy * dy) / (2.0 * sigma * sigma))
  ]],
  max_prob = "p_peak",
}
local wave = connectivity {               -- per-target bound, condition: no autapse
  name = "wave",
  condition = "i != j",
  prob = "(0.2 + 0.01 * mod(j, 5)) * (0.5 + 0.5 * cos(i - j))",
  max_prob = "0.2 + 0.01 * mod(j, 5)",
}
local G = population { "G", src, 256 }
local TG = population { "TG", probe, 256 }
local S = population { "S", src, 60 }
projection { G, TG, name = "g16", conn = gauss, weight = 1.0 }
projection { S, S, name = "wave", conn = wave, weight = 1.0 }   -- S records nothing
local TS = population { "TS", probe, 60 }
projection { S, TS, name = "wave2", conn = wave, weight = 1.0 }
-- built, not simulated
local B1 = population { "B1", lif, 64 * 64 }
local B2 = population { "B2", lif, 64 * 64 }
local C = population { "C", lif, 32 * 32 }
projection { B1, B2, name = "ff", conn = gauss { n = 64 }, weight = 1.0 }
projection { C, C, name = "lat", conn = gauss { n = 32, p_peak = 1.0, sigma = 1.0 }, weight = 1.0 }
record { G = "spikes", TG = "I", TS = "I" }
LUA
"$SNNCC" -q "$WORK/bnd.lua" -o "$WORK/sim"
"$WORK/sim/bnd" --time 52 --output "$WORK/a" --quiet
"$WORK/sim/bnd" --time 52 --output "$WORK/b" --quiet --set threads=3 2>/dev/null
"$WORK/sim/bnd" --time 1 --output "$WORK/s6" --quiet --seed 6
"$SNNCC" --dump "$WORK/bnd.lua" >"$WORK/dump.txt"
grep -A1 "^    max_prob <<" "$WORK/dump.txt" | grep -qx "p_peak"
# the topographic map with -D conn_bound=1 (initial networks only: no rewiring)
for cb in 0 1; do
    "$SNNCC" -q -D duration=1 -D rewire=0 -D conn_bound=$cb models/topographic_map.lua -o "$WORK/tm$cb"
    "$WORK/tm$cb/topographic_map" --time 0.1 --quiet --output "$WORK/otm$cb"
done
MPI=0
if command -v mpirun >/dev/null && [ -f "$(dirname "$SNNCC")/../lib/libsnnrt_mpi.a" ]; then
    MPI=1
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    "$SNNCC" -q --mpi "$WORK/bnd.lua" -o "$WORK/simm"
    mpirun --oversubscribe -np 2 "$WORK/simm/bnd" --time 52 --output "$WORK/m" --quiet
else
    echo "SKIP mpi part: no mpirun or libsnnrt_mpi.a"
fi
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # snn_rng.py
$PY - "$WORK" "$MPI" <<'PYEOF'
import json, math, sys
import numpy as np
from snn_rng import philox, stream_id
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


def matrix(pre_n, post):
    v = np.load(f"{work}/a/{post}_I.npy")["v"]
    m = np.rint(v[1:2 * pre_n:2]).astype(np.int64)
    check(np.array_equal(m, v[1:2 * pre_n:2]) and not v[0:2 * pre_n:2].any(),
          f"{post}: whole numbers, only in the step after a source fired")
    return m


def words(seed, stream, elem, n):
    """Words 0..n-1 of (seed, stream, element elem, step 0), as snn_rng_u32 gives them."""
    nb = (n + 3) // 4
    ctr = [np.arange(nb, dtype=np.uint64), np.full(nb, elem, np.uint64), np.zeros(nb, np.uint64),
           np.full(nb, seed >> 32, np.uint64)]
    return np.stack(philox(ctr, (seed & 0xFFFFFFFF, stream)), axis=1).reshape(-1)[:n]


def uniform(w0, w1):
    x = ((int(w0) >> 5) << 26) | (int(w1) >> 6)
    return x / 9007199254740992.0 if x else 1.0 / 18014398509481984.0


def bounded_column(seed, st, j, n_pre, b, prob, cond=None):
    """docs/language.md: per candidate a uniform U (2 words) for the gap
    floor(log U / log(1 - b)), then one word u; kept iff u < prob / b 2^32."""
    w = words(seed, st, j, 3 * n_pre + 8)
    inv = 1.0 / math.log1p(-b) if b < 1 else -0.0
    pos, k, out, cand = -1.0, 0, [], 0
    while True:
        pos += math.floor(math.log(uniform(w[k], w[k + 1])) * inv) + 1.0
        k += 2
        if pos >= n_pre:
            return out, cand
        i, u = int(pos), int(w[k])
        k += 1
        cand += 1
        if cond is not None and not cond(i, j):
            continue
        p = prob(i, j)
        assert p <= b
        if u < p / b * 4294967296.0:
            out.append(i)


def gauss(n, pk, sg):
    def p(i, j):
        dx = abs(i % n - j % n); dx = min(dx, n - dx)
        dy = abs(i // n - j // n); dy = min(dy, n - dy)
        return pk * math.exp(-float(dx * dx + dy * dy) / (2.0 * sg * sg))
    return p


seed = 5
want, cands = np.zeros((256, 256), int), 0
for j in range(256):
    col, c = bounded_column(seed, stream_id("conn:g16"), j, 256, 0.16, gauss(16, 0.16, 2.5))
    want[col, j] = 1
    cands += c
got = matrix(256, "TG")
check(np.array_equal(got, want) and nsyn["g16"] == want.sum(),
      f"Gaussian torus 16 x 16, max_prob = p_peak: exactly the documented draws "
      f"({want.sum()} synapses of {cands} candidates)")
want, thin = np.zeros((60, 60), int), 0
bj = lambda j: 0.2 + 0.01 * float(j % 5)
for j in range(60):
    col, c = bounded_column(seed, stream_id("conn:wave2"), j, 60, bj(j),
                            lambda i, j: bj(j) * (0.5 + 0.5 * math.cos(float(i - j))),
                            lambda i, j: i != j)
    want[col, j] = 1
    thin += c - len(col)
got = matrix(60, "TS")
check(np.array_equal(got, want) and nsyn["wave2"] == want.sum() and not np.diag(got).any(),
      f"condition and per-target max_prob in code: exactly the documented draws "
      f"({want.sum()} synapses, {thin} candidates thinned out)")

for name, n, pk, sg in (("ff", 64, 0.16, 2.5), ("lat", 32, 1.0, 1.0)):
    N = n * n
    P = np.array([gauss(n, pk, sg)(i, 0) for i in range(N)])   # translation invariant
    mean, var = N * P.sum(), N * (P * (1 - P)).sum()
    check(abs(P.sum() / (2 * math.pi * pk * sg * sg) - 1) < 2e-3,
          f"{name}: expected in-degree {P.sum():.4f} ~ 2 pi p sigma^2")
    check(abs(nsyn[name] - mean) < 5 * math.sqrt(var),
          f"{name} (n = {n}, max_prob {pk}): {nsyn[name]} synapses, expected {mean:.1f} "
          f"+- {math.sqrt(var):.1f} (sd)")

t0, t1 = projs("otm0"), projs("otm1")
P = np.array([gauss(16, 0.16, 2.5)(i, 0) for i in range(256)])
mean, sd = 256 * P.sum(), math.sqrt(256 * (P * (1 - P)).sum())
check(t1["lat"] == t0["lat"] and t1["ff"][1] != t0["ff"][1] and
      abs(t1["ff"][0] - mean) < 5 * sd and abs(t0["ff"][0] - mean) < 5 * sd,
      f"topographic_map -D conn_bound=1: lat unchanged, ff another draw ({t1['ff'][0]} "
      f"synapses; {t0['ff'][0]} without the bound; expected {mean:.1f} +- {sd:.1f})")
b = projs("b")
check(a == b, "1 and 3 threads: identical synapse counts and checksums")
check(all(np.array_equal(np.load(f"{work}/a/{f}"), np.load(f"{work}/b/{f}"))
          for f in ["TG_I.npy", "TS_I.npy"]), "1 and 3 threads: identical recordings")
if mpi:
    m = projs("m")
    check(m == a, "2 MPI ranks: identical synapse counts and checksums")
    check(all(np.array_equal(np.load(f"{work}/a/{f}"), np.load(f"{work}/m/{f}"))
              for f in ["TG_I.npy", "TS_I.npy"]), "2 MPI ranks: identical recordings")
s6 = projs("s6")
check(all(a[k][1] != s6[k][1] for k in a), "--seed 6 changes every projection")
if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
