#!/usr/bin/env bash
# Connectivity rules, read back through the network itself: every source neuron fires
# exactly once, at its own random time (threshold "t >= ft", ft = uniform(1, 190) ms), and
# every target stores Isyn (delta synapses of weight 1, delay one step) in each step, so
# the recorded input of target j in step f + 1 is the number of synapses onto j from the
# sources that fired in step f.  Sources sharing a step are checked as a group.  Checked:
#   all_to_all (with and without autapses) and one_to_one: the exact matrix;
#   fixed_indegree(k): every column sum is k; without multapses each pair at most once,
#     and k = n - 1 without autapses is all pairs but the diagonal; with multapses and
#     without autapses (the hpc_benchmark's rule) k > n - 1 sources, none the target;
#   fixed_outdegree(k): every row sum is k; without multapses each pair at most once;
#   fixed_total(n) with and without multapses and autapses: n synapses, no autapse, no
#     multapse where excluded, targets and sources uniform (chi-square, p > 1e-4); asking
#     for every pair gives the synapses (checksum) of all_to_all;
#   fixed_probability(p): entries 0/1, count within 5 sd of the binomial mean, no autapse;
#   run.json "projections": the counts equal the matrix sums, and the larger projections
#     built but not simulated (1000 x 1000) have the exact counts of their rules or, for
#     fixed_probability, a count within 5 sd of the binomial mean;
#   checksums: identical in a second run with the same seed; for --seed 6 different for
#     every random rule and unchanged for the deterministic ones.
set -euo pipefail
cat >"$WORK/conn.lua" <<'LUA'
network { name = "conn", dt = 0.1, seed = 5 }
local unit = neuron {
  name = "unit", vars = { ft = uniform(1.0, 190.0), fired = 0.0, I = 0.0 },
  sim = "I = Isyn;", threshold = "t >= ft && fired < 0.5", reset = "fired = 1.0;",
}
local probe = neuron { name = "probe", vars = { I = 0.0 }, sim = "I = Isyn;" }
local A = population { "A", unit, 40 }
local T = {}
for i = 1, 9 do T[i] = population { "T" .. i, probe, i == 2 and 40 or 60 } end
local R = {}
for i = 1, 7 do R[i] = population { "R" .. i, unit, 30 } end
local function p(pre, post, conn) projection { pre, post, conn = conn, weight = 1.0 } end
p(A, T[1], all_to_all())
p(A, T[2], one_to_one())
p(A, T[3], fixed_probability(0.2))
p(A, T[4], fixed_indegree(15, { multapses = false }))
p(A, T[5], fixed_indegree(50))
p(A, T[6], fixed_outdegree(20, { multapses = false }))
p(A, T[7], fixed_outdegree(100))
p(A, T[8], fixed_total(1000))
p(A, T[9], fixed_total(2000, { multapses = false }))
p(R[1], R[1], all_to_all { autapses = false })
p(R[2], R[2], fixed_total(800, { autapses = false, multapses = false }))
p(R[3], R[3], fixed_indegree(29, { autapses = false, multapses = false }))
p(R[4], R[4], fixed_outdegree(10, { autapses = false }))
p(R[5], R[5], fixed_probability(0.5, { autapses = false }))
p(R[6], R[6], fixed_total(3000, { autapses = false }))
p(R[7], R[7], fixed_indegree(100, { autapses = false }))     -- as in the hpc_benchmark
-- built, not simulated: counts only
local B1 = population { "B1", lif, 1000 }
local B2 = population { "B2", lif, 1000 }
local function q(name, pre, post, conn)
  projection { pre, post, name = name, conn = conn, weight = 1.0 }
end
q("b_prob", B1, B2, fixed_probability(0.05))
q("b_prob_noaut", B1, B1, fixed_probability(0.05, { autapses = false }))
q("b_total", B1, B2, fixed_total(123457))
q("b_total_nomult", B1, B1, fixed_total(500000, { multapses = false, autapses = false }))
q("b_out", B1, B2, fixed_outdegree(37))
q("b_out_nomult", B1, B1, fixed_outdegree(999, { multapses = false, autapses = false }))
q("b_in", B1, B2, fixed_indegree(41))
q("b_a2a", B1, B1, all_to_all { autapses = false })
q("b_total_full", B1, B1, fixed_total(999000, { multapses = false, autapses = false }))
local rec = { A = "spikes" }
for i = 1, 9 do rec["T" .. i] = "I" end
for i = 1, 7 do rec["R" .. i] = { "spikes", "I" } end
record(rec)
LUA
"$SNNCC" -q "$WORK/conn.lua" -o "$WORK/sim"
"$WORK/sim/conn" --time 200 --output "$WORK/a" --quiet
"$WORK/sim/conn" --time 200 --output "$WORK/b" --quiet --set record.A=none
"$WORK/sim/conn" --time 200 --output "$WORK/c" --quiet --seed 6
$PY - "$WORK" <<'PYEOF'
import json, math, sys
import numpy as np
work = sys.argv[1]
dt = 0.1
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


def chi2_sf(x, k):
    z = ((x / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


def uniform_chi2(what, obs, expected):
    obs, expected = np.asarray(obs, float), np.asarray(expected, float)
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    p = chi2_sf(chi2, len(obs) - 1)
    check(p > 1e-4, f"{what}: uniform, chi2 {chi2:.1f} on {len(obs) - 1} dof (p = {p:.3g})")


out = f"{work}/a"
run = json.load(open(f"{out}/run.json"))
nsyn = {p["name"]: p["synapses"] for p in run["projections"]}


def groups(pop, n):
    """Sources that fired in the same step: list of (step, [indices])."""
    s = np.load(f"{out}/spikes_{pop}.npy")
    check(len(s) == n and len(np.unique(s["i"])) == n, f"{pop}: every neuron fires exactly once")
    steps = np.round(s["t"] / dt).astype(int) - 1
    g = {}
    for st, i in zip(steps, s["i"]):
        g.setdefault(int(st), []).append(int(i))
    return sorted(g.items())


def matrix(pre, n_pre, post, n_post):
    """Per group of sources: the synapse counts onto each target (rows), and the singles."""
    r = np.load(f"{out}/{post}_I.npy")
    check(r["v"].shape == (2000, n_post), f"{post}_I.npy: 2000 x {n_post}")
    I = np.rint(r["v"]).astype(np.int64)
    check(np.array_equal(I, r["v"]), f"{post}: inputs are whole numbers")
    gs = groups(pre, n_pre)
    rows = np.array([I[st + 1] for st, _ in gs])
    size = np.array([len(m) for _, m in gs])
    # everything that arrived came from a source's spike, one step after it
    arrive = np.zeros(2000, bool)
    arrive[[st + 1 for st, _ in gs]] = True
    check(I[~arrive].sum() == 0, f"{pre} -> {post}: no input except one step after a spike")
    single = {m[0]: rows[k] for k, (st, m) in enumerate(gs) if len(m) == 1}
    print(f"     {pre} -> {post}: {len(gs)} firing steps, {len(single)} single sources")
    return rows, size, gs, single


def count(name, rows):
    check(nsyn[name] == rows.sum(), f"{name}: run.json synapses {nsyn[name]} = {rows.sum()} delivered")


# A -> T1 all_to_all, T2 one_to_one
rows, size, gs, single = matrix("A", 40, "T1", 60)
check((rows == size[:, None]).all() and nsyn["A_to_T1"] == 2400, "all_to_all: every pair once (2400)")
rows, size, gs, single = matrix("A", 40, "T2", 40)
ok = all(np.array_equal(rows[k], np.isin(np.arange(40), m).astype(int)) for k, (st, m) in enumerate(gs))
check(ok and nsyn["A_to_T2"] == 40, "one_to_one: i -> i only")
# fixed_probability(0.2)
rows, size, gs, single = matrix("A", 40, "T3", 60)
count("A_to_T3", rows)
check(all(v.max() <= 1 for v in single.values()), "fixed_probability: no multapse")
n, pp = 2400, 0.2
check(abs(rows.sum() - n * pp) < 5 * math.sqrt(n * pp * (1 - pp)),
      f"fixed_probability(0.2): {rows.sum()} synapses, binomial {n * pp:.0f} +- {math.sqrt(n * pp * (1 - pp)):.1f}")
# fixed_indegree(15) without multapses, fixed_indegree(50) with
for post, k, mult in (("T4", 15, False), ("T5", 50, True)):
    rows, size, gs, single = matrix("A", 40, post, 60)
    count(f"A_to_{post}", rows)
    check((rows.sum(axis=0) == k).all() and nsyn[f"A_to_{post}"] == 60 * k,
          f"fixed_indegree({k}): every target has exactly {k} sources")
    if not mult:
        check(all(v.max() <= 1 for v in single.values()), f"fixed_indegree({k}) without multapses: no pair twice")
    else:
        check(max(v.max() for v in single.values()) > 1, f"fixed_indegree({k}): multapses occur")
    uniform_chi2(f"fixed_indegree({k}) sources", rows.sum(axis=1), size * 60 * k / 40)
# fixed_outdegree(20) without multapses, (100) with
for post, k, mult in (("T6", 20, False), ("T7", 100, True)):
    rows, size, gs, single = matrix("A", 40, post, 60)
    count(f"A_to_{post}", rows)
    check((rows.sum(axis=1) == k * size).all() and nsyn[f"A_to_{post}"] == 40 * k,
          f"fixed_outdegree({k}): every source has exactly {k} targets")
    if not mult:
        check(all(v.max() <= 1 for v in single.values()), f"fixed_outdegree({k}) without multapses: no pair twice")
    uniform_chi2(f"fixed_outdegree({k}) targets", rows.sum(axis=0), np.full(60, 40 * k / 60))
# fixed_total(1000) with, (2000) without multapses
for post, n, mult in (("T8", 1000, True), ("T9", 2000, False)):
    rows, size, gs, single = matrix("A", 40, post, 60)
    count(f"A_to_{post}", rows)
    check(rows.sum() == n and nsyn[f"A_to_{post}"] == n, f"fixed_total({n}): exactly {n} synapses")
    if not mult:
        check(all(v.max() <= 1 for v in single.values()), f"fixed_total({n}) without multapses: no pair twice")
    uniform_chi2(f"fixed_total({n}) targets", rows.sum(axis=0), np.full(60, n / 60))
    uniform_chi2(f"fixed_total({n}) sources", rows.sum(axis=1), size * n / 40)

# recurrent rules without autapses
def recurrent(i, name):
    rows, size, gs, single = matrix(f"R{i}", 30, f"R{i}", 30)
    count(f"R{i}_to_R{i}", rows)
    check(all(v[src] == 0 for src, v in single.items()), f"{name}: no autapse")
    return rows, size, single


rows, size, single = recurrent(1, "all_to_all { autapses = false }")
check(all(np.array_equal(v, 1 - np.eye(30, dtype=int)[s]) for s, v in single.items())
      and nsyn["R1_to_R1"] == 870, "all_to_all without autapses: all 870 other pairs")
rows, size, single = recurrent(2, "fixed_total(800) without autapses and multapses")
check(rows.sum() == 800 and all(v.max() <= 1 for v in single.values()), "fixed_total(800): 800 distinct pairs")
rows, size, single = recurrent(3, "fixed_indegree(29) without autapses and multapses")
check(all(np.array_equal(v, 1 - np.eye(30, dtype=int)[s]) for s, v in single.items())
      and (rows.sum(axis=0) == 29).all(), "fixed_indegree(29 of 29): every other neuron once")
rows, size, single = recurrent(4, "fixed_outdegree(10) without autapses")
check((rows.sum(axis=1) == 10 * size).all(), "fixed_outdegree(10) without autapses: 10 targets each")
rows, size, single = recurrent(5, "fixed_probability(0.5) without autapses")
check(abs(rows.sum() - 435) < 5 * math.sqrt(870 * 0.25), f"fixed_probability(0.5) without autapses: {rows.sum()} of 870 pairs")
rows, size, single = recurrent(6, "fixed_total(3000) without autapses")
check(rows.sum() == 3000, "fixed_total(3000) without autapses: 3000 synapses (multapses)")
rows, size, single = recurrent(7, "fixed_indegree(100) without autapses, with multapses")
check((rows.sum(axis=0) == 100).all() and max(v.max() for v in single.values()) > 1,
      "fixed_indegree(100 of 29 others): 100 sources each, multapses")

# the large projections: counts only
def binom(name, n, pp):
    x = nsyn[name]
    sd = math.sqrt(n * pp * (1 - pp))
    check(abs(x - n * pp) < 5 * sd, f"{name}: {x} synapses, binomial {n * pp:.0f} +- {sd:.0f}")


binom("b_prob", 1000 * 1000, 0.05)
binom("b_prob_noaut", 1000 * 999, 0.05)
for name, n in (("b_total", 123457), ("b_total_nomult", 500000), ("b_out", 37000),
                ("b_out_nomult", 999000), ("b_in", 41000), ("b_a2a", 999000),
                ("b_total_full", 999000)):
    check(nsyn[name] == n, f"{name}: {nsyn[name]} synapses, exactly {n}")
chk = {p["name"]: p["checksum"] for p in run["projections"]}
check(chk["b_total_full"] == chk["b_a2a"] == chk["b_out_nomult"],
      "all pairs but the diagonal: fixed_total, fixed_outdegree and all_to_all give the same synapses")

# reproducibility of the construction
b = json.load(open(f"{work}/b/run.json"))
c = json.load(open(f"{work}/c/run.json"))
ck = lambda r: {p["name"]: (p["synapses"], p["checksum"]) for p in r["projections"]}
ca, cb, cc = ck(run), ck(b), ck(c)
check(ca == cb, "same seed: identical counts and checksums")
fixed = {"A_to_T1", "A_to_T2", "R1_to_R1", "R3_to_R3", "b_a2a", "b_out_nomult", "b_total_full"}
same = {k for k in ca if ca[k][1] == cc[k][1]}
check(same == fixed, f"--seed 6: checksums change for every random rule and only for them "
                     f"(unchanged: {sorted(same)})")
check(np.array_equal(np.load(f"{work}/a/T5_I.npy"), np.load(f"{work}/b/T5_I.npy")),
      "same seed: identical recordings")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
