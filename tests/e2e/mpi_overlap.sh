#!/usr/bin/env bash
# test: weight 2 (MPI runs with 4 ranks)
# The overlapped spike exchange (run config exchange_interval I below the minimum delay D:
# each interval's exchange is started at its end and completed only before the first
# step that can read its spikes, so D - I steps run while the messages travel):
#   - a network with two delays (D = 15 steps and 30 steps), Poisson input, a spike-source
#     array and state recording, and brunel.lua: spike files, recordings, spike counts
#     and connectivity checksums byte-identical to one process for 2, 3 and 4 ranks,
#     I = 1, 4, 7, 14 and 15 (15: the blocking exchange), both exchange modes, and 2 ranks
#     x 2 threads;
#   - run.json: comm_interval_steps = I, min_delay_steps = D, overlap true below D, the
#     number of intervals ceil(steps / I);
#   - errors: I above D (named with the config file and line, reported once, exit status
#     1), I = 0 and a non-number (config errors).
set -euo pipefail
source tests/lib/mpi.sh

cat >"$WORK/two.lua" <<'LUA'
network { name = "two", dt = 0.1 }
local S = population { "S", spike_source_array { times = { {1.0, 2.0, 7.5}, {}, {3.3},
                                                           {0.5, 9.9, 31.0}, {4.0, 4.1, 4.2} } }, 5 }
local E = population { "E", lif { tau_m = 20, V_th = -50, V_reset = -60, t_ref = 2 }, 400,
                       init = { V = uniform(-60, -50) } }
local I = population { "I", lif { tau_m = 10, V_th = -50, V_reset = -60, t_ref = 1 }, 100,
                       init = { V = uniform(-60, -50) } }
current_source { E, noise { mean = 420.0, sd = 300.0 } }
current_source { I, noise { mean = 400.0, sd = 300.0 } }
projection { S, E, conn = fixed_outdegree(40), weight = 5000.0, delay = 1.5 }
projection { E, E, conn = fixed_probability(0.05), weight = 300.0, delay = 1.5 }
projection { E, I, conn = fixed_probability(0.1), weight = 500.0, delay = 3.0 }
projection { I, E, conn = fixed_probability(0.1), weight = -1500.0, delay = 1.5 }
record { S = "spikes", E = { "spikes", "V", every = 7, neurons = 50 }, I = "spikes" }
LUA
"$SNNCC" -q "$WORK/two.lua" -o "$WORK/t1"
"$SNNCC" -q --mpi "$WORK/two.lua" -o "$WORK/tm"
"$WORK/t1/two" --time 200 --output "$WORK/tref" --quiet
$PY - "$WORK/tref/run.json" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["populations"]:
    assert p["spikes"] > 0, p
PY
for np in 2 3; do
    for ex in collective p2p; do
        for I in 1 4 7 14 15; do
            "${MPIRUN[@]}" -np $np "$WORK/tm/two" --time 200 --quiet --output "$WORK/t_${np}_${ex}_$I" \
                --set exchange=$ex --set exchange_interval=$I
            same_outputs "$WORK/tref" "$WORK/t_${np}_${ex}_$I" "two delays, $np ranks, $ex, I=$I"
        done
        ok "two delays, $np ranks, $ex: I = 1, 4, 7, 14, 15 identical to one process"
    done
done
"${MPIRUN[@]}" -np 2 "$WORK/tm/two" --time 200 --quiet --output "$WORK/t_2x2" \
    --set threads=2 --set exchange=p2p --set exchange_interval=6
same_outputs "$WORK/tref" "$WORK/t_2x2" "two delays, 2 ranks x 2 threads, I=6"
ok "two delays, 2 ranks x 2 threads, I=6 identical"
$PY - "$WORK/t_3_p2p_4/run.json" "$WORK/t_3_p2p_15/run.json" <<'PY'
import json, sys
o, b = (json.load(open(p)) for p in sys.argv[1:3])
po, pb = o["parallel"], b["parallel"]
assert po["comm_interval_steps"] == 4 and po["min_delay_steps"] == 15 and po["overlap"] is True, po
assert pb["comm_interval_steps"] == 15 and pb["min_delay_steps"] == 15 and pb["overlap"] is False, pb
assert o["exchange"]["intervals"] == 500 and b["exchange"]["intervals"] == 134, (o["exchange"], b["exchange"])
for k, v in o["rank_timers"].items():
    assert v["min"] <= v["median"] <= v["max"], (k, v)
PY
ok "run.json: interval, minimum delay, overlap, intervals"

"$SNNCC" -q models/brunel.lua -o "$WORK/b1"
"$SNNCC" -q --mpi models/brunel.lua -o "$WORK/bm"
"$WORK/b1/brunel" --time 100 --output "$WORK/bref" --quiet
for ex in collective p2p; do
    "${MPIRUN[@]}" -np 4 "$WORK/bm/brunel" --time 100 --quiet --output "$WORK/b_4_$ex" \
        --set exchange=$ex --set exchange_interval=5
    same_outputs "$WORK/bref" "$WORK/b_4_$ex" "brunel, 4 ranks, $ex, I=5"
done
ok "brunel, 4 ranks, both modes, I=5 identical to one process"

# --- errors ---------------------------------------------------------------------------
printf 'duration: 10\nexchange_interval: 16\n' >"$WORK/long.yaml"
set +e
timeout 60 "${MPIRUN[@]}" -np 2 "$WORK/tm/two" --config "$WORK/long.yaml" \
    --output "$WORK/long" >"$WORK/long.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$WORK/long.out"; fail "exchange_interval above the minimum delay: exit status $rc"; }
n=$(grep -c "two: error: .*long.yaml:2: 'exchange_interval' 16 is longer than this model's minimum delay, 15 step(s)" "$WORK/long.out" || true)
[ "$n" -eq 1 ] || { cat "$WORK/long.out"; fail "exchange_interval 16 reported $n times, want once"; }
ok "exchange_interval above the minimum delay: one message naming the file and line"
for bad in 0 five; do
    set +e
    "$WORK/tm/two" --time 10 --output "$WORK/bad" --set exchange_interval=$bad >"$WORK/bad.out" 2>&1
    rc=$?
    set -e
    [ $rc -ne 0 ] || fail "exchange_interval=$bad accepted"
    grep -q "error: --set 'exchange_interval=$bad': 'exchange_interval' must be a whole number of steps from 1" \
        "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "exchange_interval=$bad: message"; }
done
ok "exchange_interval 0 and 'five': config errors"
