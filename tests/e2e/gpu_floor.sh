#!/usr/bin/env bash
# bench/gpu_floor.py: the floor of a GPU step from a C run.  Brunel at scale 0.1 (1,250
# neurons, fixed in-degrees 100 and 25, constant weights: 2-byte targets), 100 ms: the
# events per step are the spikes per step times the in-degree-sized rows, recomputed here
# from run.json by hand; bytes, atomics and launch terms follow the documented formula.
set -euo pipefail
"$SNNCC" -q -D scale=0.1 models/brunel.lua -o "$WORK/b"
"$WORK/b/brunel" --time 100 --quiet --output "$WORK/o"
/usr/bin/python3 bench/gpu_floor.py "$WORK/o/run.json" --bw 1e12 --launch-us 2 --launches 3 \
    --atomic-rate 1e11 --neuron-bytes 40 --measured-rtf 0.5 >"$WORK/floor.txt"
cat "$WORK/floor.txt"
/usr/bin/python3 - "$WORK/o/run.json" "$WORK/floor.txt" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1]))
out = open(sys.argv[2]).read()
pops = {p["name"]: p for p in j["populations"]}
steps = j["run"]["steps_done"]
assert steps == 1000
ev = sum(pops[p["pre"]]["spikes"] / steps * p["synapses"] / pops[p["pre"]]["size"]
         for p in j["projections"])
byt = sum(pops[p["pre"]]["spikes"] / steps * p["bytes"] / pops[p["pre"]]["size"] for p in j["projections"])
nb = 1250 * 40
t = max((byt + nb) / 1e12, ev / 1e11) + 3 * 2e-6
got_ev = float(re.search(r"spikes, ([0-9.e+]+) synaptic events", out).group(1))
assert abs(got_ev - ev) <= 5e-4 * ev, (got_ev, ev)
rtf = float(re.search(r"real-time factor ([0-9.]+) \(memory", out).group(1))
assert abs(rtf - t / 1e-4) < 1e-3, (rtf, t / 1e-4)
assert "launches: 3 x 2 us = 6.00 us" in out
x = float(re.search(r"measured real-time factor 0.5: ([0-9.]+) x the floor", out).group(1))
assert abs(x - 0.5 / (t / 1e-4)) < 0.01, x
print(f"ok   events per step {ev:.1f}, floor {t * 1e6:.2f} us (real-time factor {t / 1e-4:.3f})")
PY
