#!/usr/bin/env bash
# Weight update models against a hand-computed pair protocol.  A "pre" and a "post" clock
# neuron fire at chosen steps; the projection pre -> post (delay 1 step) carries stdp or
# stdp_pl; the post neuron sums what arrives in a variable 'acc' (target = "acc") and does
# not otherwise react.  A late probe spike of the pre neuron delivers the weight after the
# pairing, so the jump of 'acc' at its arrival is the final weight.  Semantics (docs/
# language.md, weight update models): traces jump by 1 in the step of a spike and then decay
# by exp(-dt/tau) per step; on_post reads the pre trace during the post neuron's spike step,
# on_pre reads the post trace during the arrival step.
set -euo pipefail
run_case() { # synapse pre_step post_step probe_step weight
    cat >"$WORK/m.lua" <<LUA
network { name = "pair", dt = 0.1, seed = 1, precision = "double" }
local function clock(a, b)
  return neuron { name = "clock", vars = { acc = 0.0 },
                  threshold = string.format("fabs(t - %g) < 0.05 || fabs(t - %g) < 0.05", a, b) }
end
local pre  = population { "pre",  clock($2 * 0.1, $4 * 0.1), 1 }
local post = population { "post", clock($3 * 0.1, -100.0), 1 }
projection { pre, post, conn = one_to_one(), delay = 0.1, target = "acc",
             synapse = $1, weight = $5 }
record { pre = "spikes", post = { "spikes", "acc" } }
LUA
    "$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim_$1_$2_$3"
    "$WORK/sim_$1_$2_$3/pair" --time 200 --quiet --output "$WORK/out_$1_$2_$3"
    $PY - "$WORK/out_$1_$2_$3" "$1" "$2" "$3" "$4" "$5" <<'PY'
import math, sys
import numpy as np
out, syn, a, b, p = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
w0 = float(sys.argv[6])
dt = 0.1
pre = np.load(f"{out}/spikes_pre.npy")["t"]
post = np.load(f"{out}/spikes_post.npy")["t"]
assert np.allclose(pre, [(a + 1) * dt, (p + 1) * dt]), pre
assert np.allclose(post, [(b + 1) * dt]), post
acc = np.load(f"{out}/post_acc.npy")
v = acc["v"][:, 0]
jumps = np.diff(np.concatenate([[0.0], v]))
steps = np.nonzero(jumps)[0]
# arrivals: step a+1 and p+1 (delay 1 step); acc is recorded after each step
assert list(steps) == [a + 1, p + 1], steps
if syn == "stdp":
    tp, tm, Ap, Am, wmin, wmax = 20.0, 20.0, 0.01, 0.0105, 0.0, 1.0
    dep = lambda w, y: max(wmin, w - Am * y)
    pot = lambda w, x: min(wmax, w + Ap * x)
else:
    tp, tm, lam, alpha, mu = 15.0, 30.0, 0.1, 0.0513, 0.4
    dep = lambda w, y: max(0.0, w - lam * alpha * w * y)
    pot = lambda w, x: w + lam * w ** mu * x
def y_at(step):   # post trace during 'step' (before that step's own spike code)
    return math.exp(-(step - b) * dt / tm) if step > b else 0.0
def x_at(step):   # pre trace during 'step', from the first pre spike only (probe is later)
    return math.exp(-(step - a) * dt / tp) if step > a else 0.0
# events in time order; in one step the arrival (propagation) comes before the post
# neuron's spike handling
events = sorted([(a + 1, 0, "arrive"), (b, 1, "post"), (p + 1, 0, "arrive")])
w, delivered = w0, []
for step, _, kind in events:
    if kind == "arrive":
        w = dep(w, y_at(step))
        delivered.append(w)
    else:
        w = pot(w, x_at(step))
first = delivered[0]
assert abs(jumps[a + 1] - delivered[0]) < 1e-9, (jumps[a + 1], delivered[0])
assert abs(jumps[p + 1] - delivered[1]) < 1e-9, (jumps[p + 1], delivered[1])
w = delivered[1]
print(f"{syn}: pre {a}, post {b}: first delivery {first:.6f}, weight after pairing {w:.6f}")
PY
}
run_case stdp 100 150 1500 0.5      # pre 5 ms before post: potentiation
run_case stdp 150 100 1500 0.5      # post before pre: depression at arrival
run_case stdp 100 100 1500 0.5      # same step: no potentiation from this pair
run_case stdp_pl 100 130 1500 45.61
run_case stdp_pl 200 100 1500 45.61
