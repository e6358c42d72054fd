#!/usr/bin/env bash
# Recording synapse variables (record { <projection> = "w" }, docs/language.md "record"):
#   - the STDP pair protocol of tests/e2e/stdp_pair.sh: the weight recorded at the end of
#     the run equals the hand-computed weight after the pairing (and the probe's delivery),
#     and snapshots every 50 steps show it change exactly in the steps of the post spike
#     (on_post) and of the probe's arrival (on_pre);
#   - an all_to_all plastic projection: every snapshot lists every (pre, post) pair once,
#     in (pre, post) order, at the times (s + 1) dt of the steps s with s % every == 0;
#   - a random plastic network (fixed_probability, fixed_indegree with multapses,
#     fixed_outdegree; draws in synapse code; a second synapse variable): the files are
#     bitwise identical for 1, 2, 3 threads and 1, 2, 4 MPI ranks (and 2 ranks x 2
#     threads), hold run.json's synapse count per snapshot, are sorted by (t, pre, post),
#     and run.json lists them.
set -euo pipefail
source tests/lib/mpi.sh

# --- the STDP pair protocol (stdp_pair.sh's first case) ---------------------------------
a=100; b=150; p=1500; w0=0.5
cat >"$WORK/pair.lua" <<LUA
network { name = "pair", dt = 0.1, seed = 1, precision = "double" }
local function clock(a, b)
  return neuron { name = "clock", vars = { acc = 0.0 },
                  threshold = string.format("fabs(t - %g) < 0.05 || fabs(t - %g) < 0.05", a, b) }
end
local pre  = population { "pre",  clock($a * 0.1, $p * 0.1), 1 }
local post = population { "post", clock($b * 0.1, -100.0), 1 }
projection { pre, post, conn = one_to_one(), delay = 0.1, target = "acc",
             synapse = stdp, weight = $w0, name = "PP" }
projection { pre, post, conn = one_to_one(), delay = 0.1, target = "acc",
             synapse = stdp, weight = 0.0, name = "QQ" }
record { post = "acc", PP = "w", QQ = { "w", every = 50 } }
LUA
"$SNNCC" -q "$WORK/pair.lua" -o "$WORK/pair"
"$WORK/pair/pair" --time 200 --quiet --output "$WORK/pair_out"
$PY - "$WORK/pair_out" $a $b $p $w0 <<'PY'
import json, math, sys
import numpy as np
out, a, b, p, w0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
dt = 0.1
tp, tm, Ap, Am, wmin, wmax = 20.0, 20.0, 0.01, 0.0105, 0.0, 1.0
dep = lambda w, y: max(wmin, w - Am * y)
pot = lambda w, x: min(wmax, w + Ap * x)
y_at = lambda s: math.exp(-(s - b) * dt / tm) if s > b else 0.0
x_at = lambda s: math.exp(-(s - a) * dt / tp) if s > a else 0.0
def weight_after(step, w):   # the weight after 'step' (as stdp_pair.sh computes it)
    for s, _, kind in sorted([(a + 1, 0, "arrive"), (b, 1, "post"), (p + 1, 0, "arrive")]):
        if s > step:
            break
        w = dep(w, y_at(s)) if kind == "arrive" else pot(w, x_at(s))
    return w
final = weight_after(10**9, w0)
r = np.load(f"{out}/PP_w.npy")
assert r.dtype.names == ("t", "pre", "post", "v"), r.dtype
assert str(r.dtype["t"]) == "float64" and str(r.dtype["pre"]) == "uint32", r.dtype
assert len(r) == 1 and r["pre"][0] == 0 and r["post"][0] == 0, r
assert abs(r["t"][0] - 200.0) < 1e-9, r["t"]
assert abs(r["v"][0] - final) < 1e-12, (r["v"][0], final)
# the jump of acc at the probe's arrival is the weight delivered then (PP, plus QQ's)
q = np.load(f"{out}/QQ_w.npy")
# the steps s with s % 50 == 0, then the end of the run (after step 1999, t = 200 ms)
steps = np.append(np.arange(0, 2000, 50), 1999)
assert np.allclose(q["t"], (steps + 1) * dt), q["t"][-3:]
assert (q["pre"] == 0).all() and (q["post"] == 0).all()
want = [weight_after(s, 0.0) for s in steps]
assert np.allclose(q["v"], want, rtol=0, atol=1e-12), list(zip(steps, q["v"], want))
assert abs(q["v"][-1] - weight_after(10**9, 0.0)) < 1e-12, "the last snapshot is the end state"
changes = [int(s) for s, v0, v1 in zip(steps[1:-1], q["v"][:-2], q["v"][1:-1]) if v0 != v1]
# on_post in the post spike step b = 150 (a snapshot step); on_pre at the probe's arrival,
# step p + 1 = 1501: first seen in the snapshot of step 1550
assert changes == [b, 1550], changes
acc = np.load(f"{out}/post_acc.npy")["v"][:, 0]
jump = acc[p + 1] - acc[p]
assert abs(jump - (final + weight_after(10**9, 0.0))) < 1e-12, (jump, final)
rec = {x.get("projection"): x for x in json.load(open(f"{out}/run.json"))["recordings"]}
assert rec["PP"]["every"] is None and rec["PP"]["file"].endswith("PP_w.npy"), rec
assert rec["QQ"]["every"] == 50, rec
print(f"final weight {final:.9f}; QQ changes after steps {changes}")
PY
ok "STDP pair: final weight = the hand-computed one; snapshots change in the right steps"

# --- all_to_all: the connectivity in every snapshot --------------------------------------
cat >"$WORK/a2a.lua" <<'LUA'
network { name = "a2a", dt = 0.1, seed = 3 }
local S = population { "S", poisson { rate = 50.0 }, 5 }
local E = population { "E", lif, 7, init = { V = uniform(-70.0, -55.0) } }
current_source { E, dc { amp = 400.0 } }
projection { S, E, name = "SE", conn = all_to_all(), synapse = stdp { A_plus = 1.0, A_minus = 1.0,
             w_max = 100.0 }, weight = uniform(10.0, 20.0), delay = 0.5 }
record { SE = { "w", every = 100 } }
LUA
"$SNNCC" -q "$WORK/a2a.lua" -o "$WORK/a2a"
"$SNNCC" -q --mpi "$WORK/a2a.lua" -o "$WORK/a2am"
"$WORK/a2a/a2a" --time 100 --quiet --output "$WORK/a2a_1"
"$WORK/a2a/a2a" --time 100 --quiet --output "$WORK/a2a_3" --set threads=3
"${MPIRUN[@]}" -np 3 "$WORK/a2am/a2a" --time 100 --quiet --output "$WORK/a2a_r3"
cmp "$WORK/a2a_1/SE_w.npy" "$WORK/a2a_3/SE_w.npy" || fail "all_to_all: 3 threads differ"
cmp "$WORK/a2a_1/SE_w.npy" "$WORK/a2a_r3/SE_w.npy" || fail "all_to_all: 3 ranks differ"
$PY - "$WORK/a2a_1" <<'PY'
import sys
import numpy as np
r = np.load(f"{sys.argv[1]}/SE_w.npy")
n = 5 * 7
assert len(r) == 11 * n, len(r)  # steps 0, 100, ..., 900 and the end of the run
pairs = [(i, j) for i in range(5) for j in range(7)]
for k in range(11):
    s = r[k * n:(k + 1) * n]
    assert np.allclose(s["t"], (100 * k + 1) * 0.1 if k < 10 else 100.0), s["t"]
    assert list(zip(s["pre"].tolist(), s["post"].tolist())) == pairs, k
assert r["v"].dtype == np.float32
assert ((r["v"][:n] >= 10.0) & (r["v"][:n] <= 20.0)).all()
assert not np.array_equal(r["v"][:n], r["v"][-n:]), "the weights did not change"
PY
ok "all_to_all: every snapshot is every (pre, post) pair in order; 3 threads, 3 ranks identical"

# periodic snapshots end with the state at the end: not twice when the last step is a
# snapshot step (901 steps: the last is 900), and at a stop (SIGTERM) the stop's state
"$WORK/a2a/a2a" --time 90.1 --quiet --output "$WORK/a2a_901"
"$WORK/a2a/a2a" --time 100000000 --quiet --output "$WORK/a2a_stop" &
pid=$!
sleep 1
kill -TERM $pid
st=0
wait $pid || st=$?
[ "$st" -eq 143 ] || fail "SIGTERM: exit status $st, not 143"
$PY - "$WORK/a2a_901" "$WORK/a2a_stop" <<'PY'
import json, sys
import numpy as np
n = 5 * 7
r = np.load(f"{sys.argv[1]}/SE_w.npy")
assert len(r) == 10 * n and np.allclose(r["t"][-1], 90.1), (len(r), r["t"][-1])
d = json.load(open(f"{sys.argv[2]}/run.json"))
assert d["status"] == "interrupted", d["status"]
done = d["run"]["steps_done"]
r = np.load(f"{sys.argv[2]}/SE_w.npy.part")
assert len(r) % n == 0 and len(r) // n == (done - 1) // 100 + 1 + ((done - 1) % 100 != 0), (len(r), done)
assert np.allclose(r["t"][-n:], done * 0.1), (r["t"][-1], done)
print(f"stopped after {done} steps: {len(r) // n} snapshots, the last at {r['t'][-1]} ms")
PY
ok "periodic snapshots: the end state once, and the state at a stop"

# --- a random plastic network on threads and ranks -------------------------------------
cat >"$WORK/rnd.lua" <<'EOF'
network { name = "rnd", dt = 0.1, seed = 11, precision = "double" }
local S = population { "S", poisson { rate = 20.0 }, 60 }
local E = population { "E", lif, 37, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
local noisy = synapse { name = "noisy_stdp",
  params = { A = 5.0, sigma = 1.0, tau = 20.0, w_max = 300.0 },
  vars = { w = 100.0, c = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  on_pre = "scalar xi = normal(); w = fmax(0.0, w + sigma * xi - A * y); c += 1.0;",
  on_post = "scalar u = uniform(); w = fmin(w_max, w + A * x + sigma * u);",
  pre_spike = "x += 1.0;", post_spike = "y += 1.0;",
  pre_dynamics = "x *= exp(-dt / tau);", post_dynamics = "y *= exp(-dt / tau);" }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = noisy,
             weight = uniform(50.0, 150.0), init = { c = uniform(0.0, 1.0) }, delay = 0.5,
             psm = exp_curr(2.0) }
projection { E, E, name = "EE", conn = fixed_indegree(10),
             synapse = stdp { A_plus = 2.0, A_minus = 2.1, w_max = 200.0 },
             weight = 50.0, delay = 0.2, psm = exp_curr(2.0) }
projection { S, E, name = "SE2", conn = fixed_outdegree(4), synapse = noisy,
             weight = uniform(20.0, 60.0), init = { c = normal(0.0, 1.0) }, delay = 0.3,
             psm = exp_curr(2.0) }
record { E = "spikes", SE = { "w", "c", every = 1000 }, EE = "w", SE2 = { "c" } }
EOF
"$SNNCC" -q "$WORK/rnd.lua" -o "$WORK/r1"
"$SNNCC" -q --mpi "$WORK/rnd.lua" -o "$WORK/rm"
"$WORK/r1/rnd" --time 300 --quiet --output "$WORK/rref"
files="SE_w SE_c EE_w SE2_c spikes_E"
same() { # dir what
    for f in $files; do
        cmp -s "$WORK/rref/$f.npy" "$1/$f.npy" || fail "$2: $f.npy differs"
    done
    ls -A "$1" | grep -q '\.part$\|^\.rank' && fail "$2: leftover .part files or rank directories"
    ok "$2: synapse recordings identical"
}
for t in 2 3; do
    "$WORK/r1/rnd" --time 300 --quiet --output "$WORK/r_t$t" --set threads=$t
    same "$WORK/r_t$t" "random network, $t threads"
done
for np in 1 2 4; do
    "${MPIRUN[@]}" -np $np "$WORK/rm/rnd" --time 300 --quiet --output "$WORK/r_r$np"
    same "$WORK/r_r$np" "random network, $np rank(s)"
done
"${MPIRUN[@]}" -np 2 "$WORK/rm/rnd" --time 300 --quiet --output "$WORK/r_2x2" --set threads=2 \
    --set exchange=p2p
same "$WORK/r_2x2" "random network, 2 ranks x 2 threads (p2p)"
$PY - "$WORK/rref" "$WORK/r_r2" <<'PY'
import json, sys
import numpy as np
out = sys.argv[1]
j = json.load(open(f"{out}/run.json"))
nsyn = {p["name"]: p["synapses"] for p in j["projections"]}
for name, snaps in (("SE_w", 4), ("SE_c", 4), ("EE_w", 1), ("SE2_c", 1)):  # SE: 0, 1000, 2000, end
    r = np.load(f"{out}/{name}.npy")
    proj = name.rsplit("_", 1)[0]
    assert len(r) == snaps * nsyn[proj], (name, len(r), nsyn[proj])
    key = np.lexsort((r["post"], r["pre"], r["t"]))
    assert (key == np.arange(len(r))).all(), f"{name}: not sorted by (t, pre, post)"
    assert r["v"].dtype == np.float64
ee = np.load(f"{out}/EE_w.npy")
assert (ee["t"] == 300.0).all()
# fixed_indegree(10): every target has 10 synapses (multapses allowed)
assert (np.bincount(ee["post"], minlength=37) == 10).all()
se = np.load(f"{out}/SE_w.npy")
assert np.allclose(np.unique(se["t"]), [0.1, 100.1, 200.1, 300.0]), np.unique(se["t"])
assert not np.array_equal(se["v"][se["t"] == 0.1], se["v"][se["t"] == 200.1])
for d in sys.argv[1:]:
    rec = json.load(open(f"{d}/run.json"))["recordings"]
    got = sorted((x["projection"], x["var"], x["every"], x["file"].rsplit("/", 1)[1]) for x in rec)
    assert got == sorted([("SE", "w", 1000, "SE_w.npy"), ("SE", "c", 1000, "SE_c.npy"),
                          ("EE", "w", None, "EE_w.npy"), ("SE2", "c", None, "SE2_c.npy")]), got
PY
ok "random network: one row per synapse and snapshot, sorted by (t, pre, post), listed in run.json"
