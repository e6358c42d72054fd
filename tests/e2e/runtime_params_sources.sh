#!/usr/bin/env bash
# Runtime parameters of current sources and weight update models: current_source{ runtime =
# { "amp" } } and projection{ runtime = { "A_plus" } } are set from the run config as
# params.<source>.amp / params.<projection>.A_plus without recompiling; the results follow
# the analytical LIF solution (dc amp) and the hand-computed pair protocol (stdp A_plus);
# run.json lists the values used; out-of-range values and unknown names are errors.
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "rps", dt = 0.1, precision = "double" }
local n = population { "n", lif, 1, init = { V = -70.0 } }
current_source { n, dc { amp = 400 }, name = "drive", runtime = { "amp" } }
current_source { n, noise { sd = 0 }, name = "jitter", runtime = { "sd" } }
local function clock(a, b)
  return neuron { name = "clock", vars = { acc = 0.0 },
                  threshold = string.format("fabs(t - %g) < 0.05 || fabs(t - %g) < 0.05", a, b) }
end
local pre  = population { "pre",  clock(10.0, 150.0), 1 }
local post = population { "post", clock(15.0, -100.0), 1 }
projection { pre, post, conn = one_to_one(), delay = 0.1, target = "acc", name = "EE",
             synapse = stdp, weight = 0.5, runtime = { "A_plus" } }
record { n = "spikes", post = { "acc" } }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
sim="$WORK/sim/rps"
"$sim" --time 300 --quiet --output "$WORK/a"
"$sim" --time 300 --quiet --output "$WORK/b" --set params.drive.amp=600 --set params.EE.A_plus=0.05
printf 'duration: 300\nparams:\n  drive.amp: 1000\n  EE:\n    A_plus: 0.2\n' >"$WORK/run.yaml"
"$sim" --config "$WORK/run.yaml" --quiet --output "$WORK/c"
$PY - "$WORK" <<'PY'
import json, math, sys
import numpy as np
w = sys.argv[1]
C, tau, gap, tref, dt = 250.0, 10.0, 15.0, 2.0, 0.1
for d, I, Ap in (("a", 400.0, 0.01), ("b", 600.0, 0.05), ("c", 1000.0, 0.2)):
    rp = json.load(open(f"{w}/{d}/run.json"))["runtime_params"]
    assert rp == {"drive.amp": I, "jitter.sd": 0.0, "EE.A_plus": Ap}, rp
    s = np.load(f"{w}/{d}/spikes_n.npy")["t"]
    R = tau / C
    steps = math.ceil(tau * math.log(R * I / (R * I - gap)) / dt - 1e-9)
    want = []
    t = steps * dt
    while t <= 300 + 1e-9:
        want.append(t)
        t += round(tref / dt) * dt + steps * dt
    assert len(s) == len(want) and np.abs(s - want).max() < 1e-6, (d, len(s), len(want))
    # pair protocol: pre fires in step 100, post in step 150, probe pre spike in step 1500;
    # arrivals one step later.  Potentiation at the post spike by A_plus * x, depression at
    # the probe's arrival by A_minus * y.
    v = np.load(f"{w}/{d}/post_acc.npy")["v"][:, 0]
    jumps = np.diff(np.concatenate([[0.0], v]))
    assert list(np.nonzero(jumps)[0]) == [101, 1501], np.nonzero(jumps)
    wt = 0.5 + Ap * math.exp(-(150 - 100) * dt / 20.0)
    wt = max(0.0, wt - 0.0105 * math.exp(-(1501 - 150) * dt / 20.0))
    wt = min(1.0, wt)
    assert abs(jumps[101] - 0.5) < 1e-12 and abs(jumps[1501] - wt) < 1e-12, (d, jumps[1501], wt)
    print(f"amp {I}: {len(s)} spikes at the analytical times; A_plus {Ap}: weight {wt:.6f}")
PY
if "$sim" --time 10 --quiet --output "$WORK/e" --set params.drive.ampp=5 2>"$WORK/err"; then exit 1; fi
grep -q "'drive.ampp' is not a runtime parameter of this model (runtime parameters: drive.amp, jitter.sd, EE.A_plus)" "$WORK/err"
if "$sim" --time 10 --quiet --output "$WORK/e" --set params.jitter.sd=-1 2>"$WORK/err"; then exit 1; fi
grep -q "'jitter.sd' must be in \[0, 1e+308\] (got -1)" "$WORK/err"
cat "$WORK/err"
