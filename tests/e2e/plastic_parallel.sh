#!/usr/bin/env bash
# Weight update models (plastic synapses) on threads and MPI ranks (docs/parallel.md,
# "Weight update models"): the spike files, state recordings, connectivity checksums and
# the checksums of the synapses at the end of the run (run.json "final_checksum": weights
# and the other synapse variables) are identical to the one-thread, one-process run's for
#   - a model with three plastic projections (fixed_probability, fixed_indegree and
#     fixed_outdegree), random draws in on_pre and on_post (keyed by the synapses' global
#     positions), a synapse variable with random initial values, presynaptic spike code
#     (exchanged every step under MPI) and state recording: 2 and 3 threads, 2, 3 and 4
#     ranks (both exchange modes), 2 ranks x 2 threads;
#   - a model whose weight update model has no presynaptic spike code (exchanged every
#     min-delay interval, 10 steps): 2 threads, 2 and 3 ranks;
#   - the STDP pair protocol of tests/e2e/stdp_pair.sh (stdp and stdp_pl; blocks without
#     neurons): 2 threads, 2 ranks;
#   - hpc_benchmark -D plastic=1 (stdp_pl on E->E) at scale 0.05, 200 ms: 2 and 3 threads,
#     2, 3 and 4 ranks, 2 ranks x 2 threads.
# And the checks can fail: the weights do change (final_checksum differs from the
# construction checksum), a different learning rate (a runtime parameter) changes the
# final checksum and the spikes, and with the learning rates at 0 the final checksum is
# the construction checksum again.
set -euo pipefail
source tests/lib/mpi.sh

json_get() { # run.json python-expression-on-j
    $PY -c "import json, sys; j = json.load(open(sys.argv[1])); print($2)" "$1"
}

# --- two plastic projections, draws in synapse code, random synapse variables ----------
cat >"$WORK/plast.lua" <<'EOF'
network { name = "plast", dt = 0.1, seed = 11, precision = "double" }
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
             psm = exp_curr(2.0), runtime = { "A" } }
projection { E, E, name = "EE", conn = fixed_indegree(10),
             synapse = stdp { A_plus = 2.0, A_minus = 2.1, w_max = 200.0 },
             weight = 50.0, delay = 0.2, psm = exp_curr(2.0), runtime = { "A_plus", "A_minus" } }
projection { S, E, name = "SE2", conn = fixed_outdegree(4), synapse = noisy,
             weight = uniform(20.0, 60.0), init = { c = normal(0.0, 1.0) }, delay = 0.3,
             psm = exp_curr(2.0) }
record { S = "spikes", E = { "spikes", "V", every = 10 } }
EOF
"$SNNCC" -q "$WORK/plast.lua" -o "$WORK/p1"
"$SNNCC" -q --mpi "$WORK/plast.lua" -o "$WORK/pm"
"$WORK/p1/plast" --time 500 --quiet --output "$WORK/pref"
for t in 2 3; do
    "$WORK/p1/plast" --time 500 --quiet --output "$WORK/p_t$t" --set threads=$t
    same_outputs "$WORK/pref" "$WORK/p_t$t" "plast, $t threads"
done
for run in "2 collective" "3 p2p" "4 collective" "4 p2p"; do
    set -- $run
    "${MPIRUN[@]}" -np "$1" "$WORK/pm/plast" --time 500 --quiet --output "$WORK/p_$1_$2" \
        --set exchange="$2"
    same_outputs "$WORK/pref" "$WORK/p_$1_$2" "plast, $1 ranks, $2"
done
"${MPIRUN[@]}" -np 2 "$WORK/pm/plast" --time 500 --quiet --output "$WORK/p_2x2" --set threads=2
same_outputs "$WORK/pref" "$WORK/p_2x2" "plast, 2 ranks x 2 threads"
[ "$(json_get "$WORK/p_2_collective/run.json" 'j["parallel"]["comm_interval_steps"]')" = 1 ] ||
    fail "plast: presynaptic spike code must give an exchange every step"
$PY - "$WORK/pref/run.json" <<'EOF'
import json, sys
for p in json.load(open(sys.argv[1]))["projections"]:
    assert p["final_checksum"] != p["checksum"], f"{p['name']}: the synapses did not change"
EOF
ok "plast: the synapses changed during the run"
# a different learning rate: other final synapses and other spikes
"${MPIRUN[@]}" -np 2 "$WORK/pm/plast" --time 500 --quiet --output "$WORK/p_A" \
    --set params.SE.A=2.0
[ "$(json_get "$WORK/p_A/run.json" 'j["projections"][0]["checksum"]')" = \
  "$(json_get "$WORK/pref/run.json" 'j["projections"][0]["checksum"]')" ] ||
    fail "plast: the learning rate changed the connectivity"
[ "$(json_get "$WORK/p_A/run.json" 'j["projections"][0]["final_checksum"]')" != \
  "$(json_get "$WORK/pref/run.json" 'j["projections"][0]["final_checksum"]')" ] ||
    fail "plast: another learning rate, the same final synapses"
if cmp -s "$WORK/pref/spikes_E.npy" "$WORK/p_A/spikes_E.npy"; then
    fail "plast: another learning rate, the same spikes"
fi
ok "plast: another learning rate gives other final synapses and spikes"
# learning off in EE (stdp has no other synapse variables): the construction checksum
"$WORK/p1/plast" --time 500 --quiet --output "$WORK/p_off" --set threads=2 \
    --set params.EE.A_plus=0 --set params.EE.A_minus=0
[ "$(json_get "$WORK/p_off/run.json" 'j["projections"][1]["final_checksum"] == j["projections"][1]["checksum"]')" = True ] ||
    fail "plast: learning off, but the final checksum is not the construction checksum"
ok "plast: with the learning rates at 0 the final checksum is the construction checksum"

# --- no presynaptic spike code: exchange every min-delay interval -----------------------
cat >"$WORK/postonly.lua" <<'EOF'
network { name = "postonly", dt = 0.1, seed = 5 }
local E = population { "E", lif, 50, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
local hebb = synapse { name = "post_only", params = { eta = 0.5, decay = 0.999 },
  vars = { w = 40.0 }, post_vars = { y = 0.0 },
  on_pre = "w = w * decay + eta * y;", on_post = "w += eta;",
  post_spike = "y += 1.0;", post_dynamics = "y *= 0.95;" }
projection { E, E, conn = fixed_probability(0.2), synapse = hebb, weight = 40.0, delay = 1.0,
             psm = exp_curr(2.0) }
record { E = "spikes" }
EOF
"$SNNCC" -q "$WORK/postonly.lua" -o "$WORK/q1"
"$SNNCC" -q --mpi "$WORK/postonly.lua" -o "$WORK/qm"
"$WORK/q1/postonly" --time 500 --quiet --output "$WORK/qref"
"$WORK/q1/postonly" --time 500 --quiet --output "$WORK/q_t2" --set threads=2
same_outputs "$WORK/qref" "$WORK/q_t2" "post-side plasticity, 2 threads"
for np in 2 3; do
    "${MPIRUN[@]}" -np $np "$WORK/qm/postonly" --time 500 --quiet --output "$WORK/q_$np" \
        --set exchange=p2p
    same_outputs "$WORK/qref" "$WORK/q_$np" "post-side plasticity, $np ranks"
done
[ "$(json_get "$WORK/q_2/run.json" 'j["parallel"]["comm_interval_steps"]')" = 10 ] ||
    fail "post-side plasticity: the exchange should stay at the min-delay interval"
ok "post-side plasticity: exchanged every 10 steps (the shortest delay)"

# --- the STDP pair protocol ------------------------------------------------------------
pair() { # synapse pre_step post_step probe_step weight
    cat >"$WORK/pair_$1.lua" <<LUA
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
    "$SNNCC" -q "$WORK/pair_$1.lua" -o "$WORK/pair1_$1"
    "$SNNCC" -q --mpi "$WORK/pair_$1.lua" -o "$WORK/pairm_$1"
    "$WORK/pair1_$1/pair" --time 200 --quiet --output "$WORK/pairref_$1"
    "$WORK/pair1_$1/pair" --time 200 --quiet --output "$WORK/pair_t2_$1" --set threads=2
    same_outputs "$WORK/pairref_$1" "$WORK/pair_t2_$1" "STDP pair ($1), 2 threads"
    "${MPIRUN[@]}" -np 2 "$WORK/pairm_$1/pair" --time 200 --quiet --output "$WORK/pair_r2_$1"
    same_outputs "$WORK/pairref_$1" "$WORK/pair_r2_$1" "STDP pair ($1), 2 ranks"
    [ "$(json_get "$WORK/pairref_$1/run.json" 'j["projections"][0]["final_checksum"] != j["projections"][0]["checksum"]')" = True ] ||
        fail "STDP pair ($1): the weight did not change"
}
pair stdp 100 150 1500 0.5
pair stdp_pl 100 130 1500 45.61

# --- hpc_benchmark with stdp_pl on E->E ------------------------------------------------
"$SNNCC" -q -D scale=0.05 -D plastic=1 models/hpc_benchmark.lua -o "$WORK/h1"
"$SNNCC" -q --mpi -D scale=0.05 -D plastic=1 models/hpc_benchmark.lua -o "$WORK/hm"
"$WORK/h1/hpc_benchmark" --time 200 --quiet --output "$WORK/href"
for t in 2 3; do
    "$WORK/h1/hpc_benchmark" --time 200 --quiet --output "$WORK/h_t$t" --set threads=$t
    same_outputs "$WORK/href" "$WORK/h_t$t" "hpc_benchmark plastic, $t threads"
done
for run in "2 collective" "3 p2p" "4 collective"; do
    set -- $run
    "${MPIRUN[@]}" -np "$1" "$WORK/hm/hpc_benchmark" --time 200 --quiet \
        --output "$WORK/h_$1_$2" --set exchange="$2"
    same_outputs "$WORK/href" "$WORK/h_$1_$2" "hpc_benchmark plastic, $1 ranks, $2"
done
"${MPIRUN[@]}" -np 2 "$WORK/hm/hpc_benchmark" --time 200 --quiet --output "$WORK/h_2x2" \
    --set threads=2 --set exchange=p2p
same_outputs "$WORK/href" "$WORK/h_2x2" "hpc_benchmark plastic, 2 ranks x 2 threads"
$PY - "$WORK/href/run.json" <<'EOF'
import json, sys
p = {q["name"]: q for q in json.load(open(sys.argv[1]))["projections"]}
assert p["E_to_E"]["final_checksum"] != p["E_to_E"]["checksum"], "E_to_E did not change"
assert all("final_checksum" not in q for n, q in p.items() if n != "E_to_E"), p
EOF
ok "hpc_benchmark plastic: E_to_E changed; static projections have no final checksum"
