#!/usr/bin/env bash
# Current sources against theory, in double and in float precision:
#   noise{ mean, sd } on 2000 lif neurons that never fire: V is the AR(1) process
#     V' = E_L + (V - E_L) a + R (1 - a) (mean + sd xi),  a = e^(-dt/tau_m), R = tau_m / C,
#     with stationary mean E_L + R mean, variance (R (1 - a) sd)^2 / (1 - a^2) and
#     autocorrelation a^k at lag k steps; checked on 50 samples (every 10 ms) per neuron
#     after 100 ms (10 tau_m), mean and variance within 5 standard errors, the lag-100
#     correlation within 0.03 of e^(-1);
#   noise{} seen directly (a probe neuron with sim "I = Isyn;", every step): mean, variance,
#     the fraction within one sd (normal), no correlation from step to step or between
#     neurons;
#   poisson_input{ rate, weight } into delta: the count per step (Isyn / weight) is a whole
#     number with mean and variance rate dt (lambda = 0.05, 2, 20, 30, 200: every branch of
#     the runtime's generator; 5 standard errors) and, for lambda = 2, 20 and 30, the
#     Poisson distribution (chi-square, p > 1e-4); into exp_curr(1), lambda = 20:
#     stationary mean lambda w tau / dt and variance lambda w^2 c^2 / (1 - E^2); with
#     target = "x" the same counts land in the variable;
#   step_current{}: the amplitude of the last time <= t = step dt, 0 before the first
#     (4 steps: a chain of comparisons; 37 steps: a binary search, lower.c).
set -euo pipefail
cat >"$WORK/cs_noise.lua" <<'LUA'
network { name = "cs_noise", dt = 0.1, seed = 11,
          precision = param("dbl", 1) == 1 and "double" or "float" }
local P = population { "P", lif { V_th = 1e9 }, 2000 }
current_source { P, noise { mean = 100.0, sd = 300.0 } }
record { P = { "V", every = 100 } }
LUA
cat >"$WORK/cs_probe.lua" <<'LUA'
network { name = "cs_probe", dt = 0.1, seed = 12,
          precision = param("dbl", 1) == 1 and "double" or "float" }
local probe = neuron { name = "probe", vars = { I = 0.0 }, sim = "I = Isyn;" }
local function pop(name, n) return population { name, probe, n } end
local Nz = pop("Nz", 300)
current_source { Nz, noise { mean = 5.0, sd = 2.0 } }
-- lambda = rate dt: 0.05 and 2 (inversion with one word), 20 (one uniform), 30 and 200
-- (PTRS): every branch of the runtime's Poisson generator
current_source { pop("P1", 300), poisson_input { rate = 500.0, weight = 1.0 } }
current_source { pop("P2", 300), poisson_input { rate = 20000.0, weight = 2.5 } }
current_source { pop("P3", 300), poisson_input { rate = 200000.0, weight = 1.0 } }
current_source { pop("P4", 300), poisson_input { rate = 300000.0, weight = 1.0 } }
current_source { pop("P5", 300), poisson_input { rate = 2000000.0, weight = 1.0 } }
current_source { pop("Pe", 300), poisson_input { rate = 200000.0, weight = 3.0 },
                 psm = exp_curr(1.0) }
-- into a state variable (target = "x"): sim reads and clears it
local acc = neuron { name = "acc", vars = { x = 0.0, I = 0.0 }, sim = "I = x; x = 0.0;" }
current_source { population { "Pt", acc, 300 }, poisson_input { rate = 20000.0, weight = 1.5 },
                 target = "x" }
local St = pop("St", 2)
current_source { St, step_current { times = { 1.0, 2.55, 5.0, 7.0 },
                                    amps = { 3.0, -2.0, 0.5, 0.0 } } }
local lt, la = {}, {}
for k = 1, 37 do lt[k] = 0.35 + 0.95 * k + (k % 3) * 0.1; la[k] = k * 0.5 + 1.0 end
current_source { pop("Sl", 1), step_current { times = lt, amps = la } }
record { Nz = "I", P1 = "I", P2 = "I", P3 = "I", P4 = "I", P5 = "I", Pe = "I", Pt = "I",
         St = "I", Sl = "I" }
LUA
for prec in 1 0; do
    "$SNNCC" -q -D dbl=$prec "$WORK/cs_noise.lua" -o "$WORK/noise$prec"
    "$WORK/noise$prec/cs_noise" --time 600 --output "$WORK/noise$prec/out" --quiet
    "$SNNCC" -q -D dbl=$prec "$WORK/cs_probe.lua" -o "$WORK/probe$prec"
    "$WORK/probe$prec/cs_probe" --time 40 --output "$WORK/probe$prec/out" --quiet
done
$PY - "$WORK" <<'PYEOF'
import math, sys
import numpy as np
work = sys.argv[1]
dt = 0.1
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


def chi2_sf(x, k):
    """P(chi2_k > x) via the Wilson-Hilferty normal approximation (ample for a 1e-4 cut)."""
    z = ((x / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


for prec, pname in ((1, "double"), (0, "float")):
    # ---- noise on lif: AR(1) --------------------------------------------------------------
    r = np.load(f"{work}/noise{prec}/out/P_V.npy")
    check(r.shape == (60,) and r["v"].shape == (60, 2000), f"[{pname}] P_V.npy: 60 x 2000")
    check(np.allclose(r["t"], np.arange(60) * 100 * dt + dt), f"[{pname}] records after steps 0, 100, ...")
    V = r["v"][10:].astype(np.float64)                       # t > 100 ms
    C, tau_m, E_L, mu, sd = 250.0, 10.0, -70.0, 100.0, 300.0
    R, a = tau_m / C, math.exp(-dt / tau_m)
    m_th = E_L + R * mu
    v_th = (R * (1 - a) * sd) ** 2 / (1 - a * a)
    rho = a ** 100                                            # between successive records
    n_eff = V.size * (1 - rho) / (1 + rho)                    # AR(1) with lag-1 corr rho
    m, v = V.mean(), V.var()
    se_m = math.sqrt(v_th / n_eff)
    se_v = v_th * math.sqrt(2 * (1 + rho ** 2) / (1 - rho ** 2) / V.size)
    check(abs(m - m_th) < 5 * se_m, f"[{pname}] noise: mean V {m:.4f} mV, theory {m_th:.4f} (se {se_m:.4f})")
    check(abs(v - v_th) < 5 * se_v, f"[{pname}] noise: var V {v:.5f} mV^2, theory {v_th:.5f} (se {se_v:.5f})")
    x = V - V.mean()
    lag = (x[1:] * x[:-1]).mean() / x.var()
    check(abs(lag - rho) < 0.03, f"[{pname}] noise: lag-10 ms correlation {lag:.3f}, theory e^-1 = {rho:.3f}")

    # ---- the probes ---------------------------------------------------------------------------
    out = f"{work}/probe{prec}/out"

    def probe(pop):
        r = np.load(f"{out}/{pop}_I.npy")
        assert r.shape == (400,), r.shape
        return r["v"].astype(np.float64)

    z = probe("Nz")
    n = z.size
    check(abs(z.mean() - 5.0) < 5 * 2.0 / math.sqrt(n), f"[{pname}] noise probe: mean {z.mean():.4f} (5)")
    check(abs(z.var() - 4.0) < 5 * 4.0 * math.sqrt(2 / n), f"[{pname}] noise probe: var {z.var():.4f} (4)")
    within = (np.abs(z - 5.0) < 2.0).mean()
    p1 = math.erf(1 / math.sqrt(2))
    check(abs(within - p1) < 5 * math.sqrt(p1 * (1 - p1) / n),
          f"[{pname}] noise probe: {within:.4f} within 1 sd (normal: {p1:.4f})")
    zc = z - 5.0
    c_t = (zc[1:] * zc[:-1]).mean() / 4.0
    c_n = (zc[:, 1:] * zc[:, :-1]).mean() / 4.0
    check(abs(c_t) < 5 / math.sqrt(n) and abs(c_n) < 5 / math.sqrt(n),
          f"[{pname}] noise probe: a new value every step and neuron (corr {c_t:.4f}, {c_n:.4f})")

    for pop, rate, w in (("P1", 500.0, 1.0), ("P2", 20000.0, 2.5), ("P3", 200000.0, 1.0),
                         ("P4", 300000.0, 1.0), ("P5", 2000000.0, 1.0), ("Pt", 20000.0, 1.5)):
        lam = rate * dt * 1e-3
        k = probe(pop) / w
        n = k.size
        check(np.array_equal(k, np.round(k)) and k.min() >= 0,
              f"[{pname}] poisson_input {pop}: whole, non-negative counts of weight {w}")
        se_m = math.sqrt(lam / n)
        se_v = math.sqrt((lam + 2 * lam * lam) / n)
        check(abs(k.mean() - lam) < 5 * se_m and abs(k.var() - lam) < 5 * se_v,
              f"[{pname}] poisson_input {pop}: counts per step mean {k.mean():.4f}, var {k.var():.4f}, "
              f"lambda = rate dt = {lam:g}")
        if lam in (2.0, 20.0, 30.0):
            lo, hi = {2.0: (0, 7), 20.0: (10, 31), 30.0: (18, 43)}[lam]   # pool the tails
            pmf = lambda j: math.exp(j * math.log(lam) - lam - math.lgamma(j + 1))
            exp_ = [sum(pmf(j) for j in range(0, lo + 1))]
            exp_ += [pmf(j) for j in range(lo + 1, hi)]
            exp_ += [1 - sum(exp_)]
            obs = [np.sum(k <= lo)] + [np.sum(k == j) for j in range(lo + 1, hi)] + [np.sum(k >= hi)]
            exp_ = np.array(exp_) * n
            chi2 = float(((np.array(obs) - exp_) ** 2 / exp_).sum())
            p = chi2_sf(chi2, len(obs) - 1)
            check(p > 1e-4, f"[{pname}] poisson_input {pop}: Poisson distribution, chi2 {chi2:.1f} "
                            f"on {len(obs) - 1} dof (p = {p:.3g})")

    # into exp_curr(1): Isyn = c in, in *= E, a Poisson count of weight w arriving every step
    lam, w, tau = 20.0, 3.0, 1.0
    E, c = math.exp(-dt / tau), -math.expm1(-dt / tau) * tau / dt
    x = probe("Pe")[100:]                                     # after 10 tau
    m_th, v_th = lam * w * tau / dt, lam * w * w * c * c / (1 - E * E)
    rho = E
    n_eff = x.size * (1 - rho) / (1 + rho)
    check(abs(x.mean() - m_th) < 5 * math.sqrt(v_th / n_eff),
          f"[{pname}] poisson_input -> exp_curr: mean Isyn {x.mean():.3f}, theory lambda w tau/dt = {m_th:.3f}")
    check(abs(x.var() / v_th - 1) < 0.05,
          f"[{pname}] poisson_input -> exp_curr: var Isyn {x.var():.3f}, theory {v_th:.3f}")

    # step_current: the amplitude of the last time <= t = s dt
    st = probe("St")
    times, amps = [1.0, 2.55, 5.0, 7.0], [3.0, -2.0, 0.5, 0.0]
    want = np.zeros(400)
    for s in range(400):
        for tk, ak in zip(times, amps):
            if s * dt >= tk:
                want[s] = ak
    # on the grid: 1.0, 5.0 and 7.0 ms are steps 10, 50, 70; 2.55 ms switches in step 26
    grid = np.zeros(400)
    grid[10:26], grid[26:50], grid[50:70] = 3.0, -2.0, 0.5
    check(np.array_equal(st[:, 0], want) and np.array_equal(st[:, 1], want)
          and np.array_equal(want, grid), f"[{pname}] step_current: switches in steps 10, 26, 50, 70")
    sl = probe("Sl")[:, 0]
    lt = [0.35 + 0.95 * k + (k % 3) * 0.1 for k in range(1, 38)]
    la = [k * 0.5 + 1.0 for k in range(1, 38)]
    tt = (np.arange(400) * dt).astype(np.float64 if pname == "double" else np.float32)
    want = np.zeros(400)
    for s in range(400):
        for tk, ak in zip(lt, la):
            if tt[s] >= (np.float32(tk) if pname != "double" else tk):
                want[s] = ak
    check(np.array_equal(sl, want) and len(set(want)) == 38,
          f"[{pname}] step_current with 37 steps (binary search): every step's amplitude")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF

# A constant-rate Poisson source (lambda = 2.3) counts each chunk's words over its first
# terms and over all terms only where a word passes the last of them (emit_c.c; about 16
# such words in these 3e6 neuron-steps).  Random numbers v3 (docs/architecture.md "Random
# numbers"): neuron e's word in step s is word (e & 3) of the Philox block with counter
# (0, e >> 2, s, hi(seed)) and key (lo(seed), stream_id("cs:bg")), and its count is
# snn_rng_poisson's below lambda 10 (#{ j : (w + 0.5) 2^-32 > cdf_j }, double CDF walk):
# every recorded count of 3001 neurons in 1000 steps is exactly the NumPy one, with 1 and 7
# threads (7: thread ranges start at 857, 1286, 2143, ..., not multiples of 4, so blocks are
# shared between threads).
cat >"$WORK/cs_pw.lua" <<LUA
network { name = "cs_pw", dt = 0.1, seed = (1 << 32) + 5 }
local probe = neuron { name = "probe", vars = { I = 0.0 }, sim = "I = Isyn;" }
local P = population { "P", probe, 3001 }
current_source { P, poisson_input { rate = 23000.0, weight = 1.0 }, name = "bg" }
record { P = "I" }
LUA
"$SNNCC" -q "$WORK/cs_pw.lua" -o "$WORK/pw"
for t in 1 7; do
    "$WORK/pw/cs_pw" --time 100 --output "$WORK/pw/out$t" --quiet --set threads=$t
done
"$SNNCC" -q -S "$WORK/cs_pw.lua" -o "$WORK/pws"
grep -q 'snn_cn_bg\[snn_j\] = (int32_t)snn_poisson_count' "$WORK/pws/cs_pw.c" ||
    { echo "cs_pw: the constant rate does not take the thresholds' path"; exit 1; }
cmp "$WORK/pw/out1/P_I.npy" "$WORK/pw/out7/P_I.npy" ||
    { echo "Poisson counts differ between 1 and 7 threads"; exit 1; }
export PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" # snn_rng.py
$PY - "$WORK/pw/out1/P_I.npy" <<'PY'
import math, sys
import numpy as np
from snn_rng import philox, stream_id  # tests/lib/snn_rng.py

rec = np.load(sys.argv[1])["v"].astype(np.float64)
steps, n = rec.shape
assert (steps, n) == (1000, 3001), rec.shape
seed, lam, e0 = (1 << 32) + 5, 23000.0 * 0.1e-3, 0
e = np.arange(e0, e0 + n, dtype=np.uint64)
q = np.unique(e >> 2)
kmax = int(lam + 10.0 * math.sqrt(lam) + 10.0)
bad = 0
for s in range(steps):
    w4 = philox((np.zeros_like(q), q, np.full_like(q, s), np.full_like(q, seed >> 32)),
                (seed & 0xFFFFFFFF, stream_id("cs:bg")))
    w = np.stack(w4)[(e & 3).astype(np.int64), (e >> 2) - q[0]]  # word e & 3 of block e >> 2
    u = (w.astype(np.float64) + 0.5) * 2.3283064365386963e-10
    p = math.exp(-lam)
    cdf, k = p, np.zeros(n)
    for j in range(1, kmax + 1):
        k += u > cdf
        p *= lam / j
        cdf += p
    bad += int((k != rec[s]).sum())
print(f"{steps * n} counts, {bad} differ from NumPy's")
assert bad == 0
assert abs(rec.mean() - lam) < 5 * math.sqrt(lam / rec.size), rec.mean()
PY
