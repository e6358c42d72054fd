#!/usr/bin/env bash
# spike_source_array: spike times from a Lua table and from a file fire exactly at the
# listed times (stamped on the dt grid), at most once per step (a second spike in the
# same step moves to the next), times below dt fire in the first step; and they drive a
# target like any population (one input spike per listed time, delayed by the delay).
set -euo pipefail
cat >"$WORK/in.txt" <<'TXT'
# neuron time_ms
0 5.0
2 1.0
0 2.5
2 7.3
TXT
cat >"$WORK/m.lua" <<'LUA'
network { name = "ssa", dt = 0.1, precision = "double" }
local A = population { "A", spike_source_array { times = { {10.0, 20.0, 20.0}, {}, {0.05, 15.0} } }, 3 }
local B = population { "B", spike_source_array { file = "in.txt" }, 4 }
local counter = neuron { name = "counter", vars = { n = 0.0 } }
local C = population { "C", counter, 1 }
projection { B, C, conn = all_to_all(), weight = 1.0, delay = 2.0, target = "n" }
record { A = "spikes", B = "spikes", C = "n" }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
"$WORK/sim/ssa" --time 30 --quiet --output "$WORK/out"
$PY - "$WORK/out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
a = [(round(float(t), 6), int(i)) for t, i in np.load(f"{out}/spikes_A.npy")]
assert a == [(0.1, 2), (10.0, 0), (15.0, 2), (20.0, 0), (20.1, 0)], a
b = [(round(float(t), 6), int(i)) for t, i in np.load(f"{out}/spikes_B.npy")]
assert b == [(1.0, 2), (2.5, 0), (5.0, 0), (7.3, 2)], b
n = np.load(f"{out}/C_n.npy")
t, v = n["t"], n["v"][:, 0]
# each input spike at time T adds 1 to n in the step that ends at T + 2 ms
for T, want in ((2.9, 0), (3.0, 1), (4.4, 1), (4.5, 2), (7.0, 3), (9.3, 4)):
    got = v[np.argmin(abs(t - T))]
    assert got == want, (T, got, want)
print("spike times and deliveries as listed")
PY
