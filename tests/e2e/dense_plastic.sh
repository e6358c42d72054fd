#!/usr/bin/env bash
# format = "dense" with weight update models (docs/language.md, "Storage formats"): an
# all_to_all projection stored densely (every row the block's whole target range, the
# target read from the place in the row instead of an index) runs on_pre, on_post, the
# pre and post code, dynamics, add_to_post and add_to_pre exactly as stored sparse:
#   1. an STDP network (the standard library's stdp, recurrent, autapses included) and
#   2. a network with synapse dynamics (draws, V_post, add_to_post, add_to_pre):
# spikes, states, synapse recordings and checksums bitwise the sparse run's, for 1, 2, 3
# threads, 1 and 2 MPI ranks.
set -euo pipefail
source tests/lib/mpi.sh

stdp_net() { # name, format
cat <<LUA
network { name = "$1", dt = 0.1, seed = 3, precision = "double" }
local E = population { "E", lif, 60, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 450.0, sd = 300.0 } }
projection { E, E, name = "EE", conn = all_to_all(), synapse = stdp { A_plus = 0.5, A_minus = 0.55, w_max = 40.0 },
             weight = uniform(0.0, 40.0), delay = 0.5, psm = exp_curr(2.0), format = "$2" }
record { E = "spikes", EE = { "w", every = 1000 } }
LUA
}
dyn_net() { # name, format
cat <<LUA
network { name = "$1", dt = 0.1, seed = 11, precision = "double" }
local pv = neuron { name = "pv", params = { rate = 40.0 }, vars = { V = 0.0, F = 0.0 },
                    sim = "V = -65.0 + 10.0 * uniform(); F += 1e-3 * Isyn;",
                    threshold = "V + 1e-4 * F < -65.0 + 10.0 * rate * dt * 0.001" }
local S = population { "S", pv, 40 }
local E = population { "E", lif, 33, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
local fb = synapse { name = "fb", params = { g = 0.02, k = 5.0 },
  vars = { w = 100.0, e = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  pre_spike = "x += 1.0;", pre_dynamics = "x *= exp(-dt / 20.0);",
  post_spike = "y += 1.0;", post_dynamics = "y *= exp(-dt / 20.0);",
  on_pre = "add_to_post(k * x); w -= 0.1 * y;", on_post = "w += 0.1 * x + 0.01 * normal();",
  dynamics = [[
    e = 0.9 * e + x * (V_post + 65.0) + 0.1 * normal();
    add_to_pre(g * e * w);
    add_to_post(0.001 * e);
  ]] }
projection { S, E, name = "SE", conn = all_to_all(), synapse = fb, weight = uniform(50.0, 150.0),
             init = { e = uniform(-1.0, 1.0) }, delay = 0.5, psm = exp_curr(2.0),
             pre_input = "Isyn", format = "$2" }
projection { E, E, name = "EE", conn = all_to_all(), synapse = fb { g = 0.01 },
             weight = 20.0, delay = 0.2, psm = exp_curr(2.0), pre_input = "Isyn", format = "$2" }
record { E = { "spikes", "V" }, S = { "spikes", "F" }, SE = "e", EE = { "w", every = 500 } }
LUA
}
for net in stdp dyn; do
    ${net}_net "$net" sparse >"$WORK/${net}_s.lua"
    ${net}_net "$net" dense >"$WORK/${net}_d.lua"
    "$SNNCC" -q "$WORK/${net}_s.lua" -o "$WORK/${net}_s"
    "$SNNCC" -q "$WORK/${net}_d.lua" -o "$WORK/${net}_d"
    "$SNNCC" -q --mpi "$WORK/${net}_d.lua" -o "$WORK/${net}_dm"
    # the dense loops read no target index
    grep -q 'snn_k = (uint32_t)(snn_pos - snn_rs\[snn_pre\])' "$WORK/${net}_d/$net.c" 2>/dev/null \
        || "$SNNCC" -q -S "$WORK/${net}_d.lua" -o "$WORK/${net}_dsrc"
    grep -q 'snn_k = (uint32_t)(snn_pos - snn_rs\[snn_pre\])' "$WORK/${net}_dsrc/$net.c" \
        || fail "$net: the dense loops read the index"
    "$WORK/${net}_s/$net" --time 200 --quiet --output "$WORK/${net}_ref"
    $PY - "$WORK/${net}_ref" <<'PY'
import sys
import numpy as np
a = sys.argv[1]
assert len(np.load(f"{a}/spikes_E.npy")) > 100, "too few spikes to tell"
PY
    "$WORK/${net}_d/$net" --time 200 --quiet --output "$WORK/${net}_d1"
    same_outputs "$WORK/${net}_ref" "$WORK/${net}_d1" "$net: dense = sparse, 1 thread"
    for t in 2 3; do
        "$WORK/${net}_d/$net" --time 200 --quiet --output "$WORK/${net}_dt$t" --set threads=$t
        same_outputs "$WORK/${net}_ref" "$WORK/${net}_dt$t" "$net: dense, $t threads"
    done
    "${MPIRUN[@]}" -np 2 "$WORK/${net}_dm/$net" --time 200 --quiet --output "$WORK/${net}_dr2"
    same_outputs "$WORK/${net}_ref" "$WORK/${net}_dr2" "$net: dense, 2 ranks"
done
