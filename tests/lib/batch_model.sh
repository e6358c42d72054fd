# tests/lib/batch_model.sh - sourced by the tests of batch lanes (batch.sh, batch_mpi.sh,
# checkpoint_lanes.sh, checkpoint_lanes_mpi.sh): a model with random draws in neuron and
# synapse code, noise and Poisson current sources, plastic weights and synapse variables per
# lane and pre/post traces, and (checkpoints) the comparison of restored lanes.

# batch_model B: the model with B lanes (network{ batch = B }), to stdout
batch_model() {
    echo "network { name = \"bt\", dt = 0.1, seed = 11, precision = \"double\", batch = $1 }"
    cat <<'LUA'
local pv = neuron { name = "pv", params = { rate = 40.0 }, vars = { V = 0.0 },
                    sim = "V = -65.0 + 10.0 * uniform();",
                    threshold = "V < -65.0 + 10.0 * rate * dt * 0.001" }
local S = population { "S", pv, 50 }
local E = population { "E", lif, 41, init = { V = uniform(-70.0, -55.0) } }
local I = population { "I", lif, 20 }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
current_source { I, poisson_input { rate = 20000.0, weight = 600.0 } }
local elig = synapse { name = "elig",
  params = { A = 2.0, tau_e = 50.0, eta = 0.05, w_max = 300.0 },
  vars = { w = 100.0, e = 0.0, r = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  on_pre = "e -= A * y;",
  on_post = "e += A * x;",
  pre_spike = "x += 1.0;", post_spike = "y += 1.0;",
  pre_dynamics = "x *= exp(-dt / 20.0);", post_dynamics = "y *= exp(-dt / 20.0);",
  dynamics = [[e *= exp(-dt / tau_e); r += uniform();
w = fmin(w_max, fmax(0.0, w + eta * e * (V_post + 65.0) * dt + 0.01 * normal()));]] }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = elig,
             weight = uniform(50.0, 150.0), delay = 0.5, psm = exp_curr(2.0) }
projection { E, E, name = "EE", conn = all_to_all(), synapse = elig { A = 1.0 },
             weight = 20.0, delay = 0.2, psm = exp_curr(2.0) }
projection { I, E, name = "IE", conn = fixed_probability(0.5), weight = -30.0, delay = 0.3 }
projection { E, I, name = "EI", conn = fixed_probability(0.5), weight = 40.0, delay = 0.3 }
record { E = { "spikes", "V" }, I = "spikes", S = "spikes" }
LUA
}

# concat FULL FIRST SECOND [T_MS]: for each of the 4 lanes, FIRST's recordings (or .part
# files) followed by SECOND's equal FULL's bitwise, and the per-lane counts and final
# checksums of SECOND's run.json equal FULL's.  FIRST "-": SECOND equals FULL after T_MS.
concat() {
    $PY - "$@" <<'PY'
import json, os, sys
import numpy as np
full, first, second = sys.argv[1:4]
T = float(sys.argv[4]) if len(sys.argv) > 4 else None
def load(d, f):
    p = f"{d}/{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
for b in range(4):
    sub = "" if b == 0 else f"/lane{b}"
    for f in ["spikes_E.npy", "spikes_I.npy", "spikes_S.npy", "E_V.npy"]:
        x, y = load(full + sub, f), load(second + sub, f)
        if first != "-":
            y = np.concatenate([load(first + sub, f), y])
        else:
            x = x[x["t"] > T + 1e-9]
        assert len(x) == len(y) and x.tobytes() == y.tobytes(), \
            f"lane {b} {f}: {len(x)} vs {len(y)} records, or they differ"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
l1, l2 = r1["run"]["batch"]["per_lane"], r2["run"]["batch"]["per_lane"]
assert len(l2) == 4 and r2["run"]["restored_from"]["step"] > 0, r2["run"]
f1, f2 = [l["final_checksum"] for l in l1], [l["final_checksum"] for l in l2]
assert f1 == f2 and len(set(map(str, f2))) == 4, (f1, f2)  # lanes differ, each restored
if first != "-":
    assert l1 == l2, (l1, l2)
PY
}
