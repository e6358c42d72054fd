#!/usr/bin/env bash
# Runtime parameters: a parameter listed in population{ runtime = } is set from the run
# config (params: or --set params.<pop>.<param>=) without recompiling; the spike times
# follow the analytical LIF solution for each value; unknown names and bad values are
# errors naming where they came from.
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "rp", dt = 0.1, precision = "double" }
population { "n", lif { I_e = 400.0 }, 1, init = { V = -70.0 }, runtime = { "I_e" } }
record { n = "spikes" }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
sim="$WORK/sim/rp"
"$sim" --time 300 --quiet --output "$WORK/a"
"$sim" --time 300 --quiet --output "$WORK/b" --set params.n.I_e=600
printf 'duration: 300\nparams:\n  n:\n    I_e: 1000\n' >"$WORK/run.yaml"
"$sim" --config "$WORK/run.yaml" --quiet --output "$WORK/c"
printf 'duration: 300\nparams:\n  n.I_e: 1000\n' >"$WORK/run2.yaml"
"$sim" --config "$WORK/run2.yaml" --quiet --output "$WORK/d"
cmp "$WORK/c/spikes_n.npy" "$WORK/d/spikes_n.npy"
$PY - "$WORK" <<'PY'
import math, sys
import numpy as np
w = sys.argv[1]
C, tau, gap, tref, dt = 250.0, 10.0, 15.0, 2.0, 0.1
for d, I in (("a", 400.0), ("b", 600.0), ("c", 1000.0)):
    s = np.load(f"{w}/{d}/spikes_n.npy")["t"]
    R = tau / C
    steps = math.ceil(tau * math.log(R * I / (R * I - gap)) / dt - 1e-9)
    want = []
    t = steps * dt
    while t <= 300 + 1e-9:
        want.append(t)
        t += round(tref / dt) * dt + steps * dt
    assert len(s) == len(want) and np.abs(s - want).max() < 1e-6, (d, len(s), len(want))
    print(f"I_e = {I}: {len(s)} spikes at the analytical times")
PY
if "$sim" --time 10 --quiet --output "$WORK/e" --set params.n.I_x=5 2>"$WORK/err"; then exit 1; fi
grep -q "rp: error: --set 'params.n.I_x=5': 'n.I_x' is not a runtime parameter of this model (runtime parameters: n.I_e)" "$WORK/err"
if "$sim" --time 10 --quiet --output "$WORK/e" --set params.n.I_e=abc 2>"$WORK/err"; then exit 1; fi
grep -q "'params.n.I_e' must be a number (got 'abc')" "$WORK/err"
printf 'params:\n  n:\n    I_ee: 3\n' >"$WORK/bad.yaml"
if "$sim" --config "$WORK/bad.yaml" --quiet --output "$WORK/e" 2>"$WORK/err"; then exit 1; fi
grep -q "bad.yaml:3: 'n.I_ee' is not a runtime parameter" "$WORK/err"
cat "$WORK/err"
