#!/usr/bin/env bash
# NEST's hpc_benchmark, static synapses (models/hpc_benchmark.lua), at -D scale=0.2:
# 2250 neurons (1800 E, 450 I), each with the full in-degrees 9000 E + 2250 I drawn with
# multapses from the smaller pools (25,312,500 synapses), iaf_psc_alpha neurons
# (lif_alpha), Poisson drive; 300 ms, default seed.
#
# Reference for the rate: the same network simulated by an independent numpy
# implementation (written to calibrate this test, not shipped: NEST's iaf_psc_alpha
# propagators, its own connectivity and Poisson draws) gave 14.9-25.0 Hz after 100 ms
# (8 seeds, mean 19.8, sd 3.3); snncc gives 15.9-28.1 Hz (26 seeds, mean 21.3, sd 3.3;
# 23.1 Hz with the default seed).  With in-degrees five times the E pool the neurons
# share most of their inputs and the network oscillates (population bursts every
# 50-100 ms), hence the scatter.  ../shared/reference/hpc_benchmark.md's "rate < 10
# spikes/s" is about large scales: neither implementation meets it at 0.2.
# Required:
#   - synapse counts exact: each projection has N_post x k synapses (k = 9000 from E,
#     2250 from I), 11,250 per neuron, 25,312,500 in all (the rule itself, autapses off
#     with multapses, is checked neuron by neuron in tests/e2e/connectivity.sh);
#   - the rate after 100 ms between 10 and 35 Hz (the two implementations' seed ranges,
#     widened), and above 0.5 Hz over the whole run;
#   - E and I rates within 10% of each other: E and I neurons are the same model with the
#     same in-degrees and drive, so only sampling noise tells them apart (23.12 and
#     23.10 Hz);
#   - run.json agrees with the spike files.
set -euo pipefail
"$SNNCC" -q -D scale=0.2 models/hpc_benchmark.lua -o "$WORK/hpc"
"$WORK/hpc/hpc_benchmark" --time 300 --output "$WORK/out" --quiet
$PY - "$WORK/out" <<'PYEOF'
import json, sys
import numpy as np
out = sys.argv[1]
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


run = json.load(open(f"{out}/run.json"))
check(run["status"] == "complete", "run complete")
sizes = {p["name"]: p["size"] for p in run["populations"]}
check(sizes == {"E": 1800, "I": 450}, f"sizes {sizes}")
k = {"E": 9000, "I": 2250}
for p in run["projections"]:
    want = sizes[p["post"]] * k[p["pre"]]
    check(p["synapses"] == want, f"{p['name']}: {p['synapses']} synapses = {sizes[p['post']]} x {k[p['pre']]}")
total = sum(p["synapses"] for p in run["projections"])
check(total == run["sizes"]["synapses"] == 2250 * 11250, f"{total} synapses = 2250 x 11250")

rate, all_rate = {}, {}
for pop in ("E", "I"):
    s = np.load(f"{out}/spikes_{pop}.npy")
    check(len(s) == [p for p in run["populations"] if p["name"] == pop][0]["spikes"],
          f"{pop}: run.json spike count = spike file")
    all_rate[pop] = len(s) / sizes[pop] / 0.3
    rate[pop] = (s["t"] > 100.0).sum() / sizes[pop] / 0.2
    print(f"     {pop}: {rate[pop]:.2f} Hz after 100 ms, {all_rate[pop]:.2f} Hz over the run")
mean = (rate["E"] * 1800 + rate["I"] * 450) / 2250
check(10.0 < mean < 35.0, f"rate after 100 ms {mean:.2f} Hz (independent reference 15-25 Hz)")
check(min(all_rate.values()) > 0.5, "active over the whole run (> 0.5 Hz)")
check(abs(rate["E"] - rate["I"]) < 0.1 * mean, f"E and I rates agree ({rate['E']:.2f}, {rate['I']:.2f} Hz)")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
PYEOF
