#!/usr/bin/env bash
# tools/raster.sh's rate panel (issue 12, defect 12): the rates are binned over every
# 5 ms bin of the run, empty bins included, so the panel drops to 0 Hz where nothing
# fires instead of drawing a line across the gap (gnuplot's `smooth frequency` saw only
# the occupied bins).  A population fires in every step of [4, 19) ms and [89, 99) ms
# only (spikes stamped at the end of their step: 5..19 and 90..99 ms); the binned data
# (--data) must be 1000 Hz there and exactly 0 in bin 0 and bins 4..17.
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "gap", dt = 1.0, precision = "double" }
local burst = neuron { name = "burst", threshold = "(t > 3.5 && t < 18.5) || (t > 88.5 && t < 98.5)" }
population { "B", burst, 2, record = "spikes" }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
"$WORK/sim/gap" --time 100 --quiet --output "$WORK/out"
tools/raster.sh --data "$WORK/data" "$WORK/out" -
$PY - "$WORK/data/rate_B.dat" <<'PY'
import sys
import numpy as np
d = np.loadtxt(sys.argv[1])
assert d.shape == (21, 2), d.shape            # 20 bins and the closing point at 100 ms
assert list(d[:20, 0]) == [5.0 * k for k in range(20)], d[:, 0]
assert d[20, 0] == 100.0
r = d[:20, 1]
assert r[0] == 0.0, r                          # an empty bin before the first spike
assert (r[1:4] == 1000.0).all(), r             # 2 neurons x 5 spikes / 5 ms / 2 neurons
assert (r[4:18] == 0.0).all(), r               # the empty bins
assert (r[18:] == 1000.0).all(), r
print("rate bins ok")
PY
if command -v gnuplot >/dev/null; then
    tools/raster.sh "$WORK/out" "$WORK/raster.png"
    [ -s "$WORK/raster.png" ]
fi
echo "raster ok"
