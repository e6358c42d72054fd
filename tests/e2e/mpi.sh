#!/usr/bin/env bash
# test: weight 2 (MPI runs with 4 ranks)
# MPI runs (snncc --mpi, Open MPI's mpirun; more ranks than cores with --oversubscribe)
# and threads (run config 'threads': each thread owns a block of every population):
#   - brunel.lua and a reduced microcircuit (per-synapse delays, fixed_total, Poisson and
#     DC inputs): spike files byte-identical to the single-process simulator's for 1, 2
#     and 4 ranks, in both exchange modes (collective and p2p), and for 2 and 3 threads
#     (alone and with 2 ranks); connectivity checksums and synapse counts in run.json
#     identical;
#   - a model with a spike-source array, state recording, noise and fixed_outdegree: the
#     merged .npy files (spikes and variables) identical to one process's;
#   - run.json of a 4-rank run: ranks, exchange, per-rank timers (min <= median <= max);
#   - memory: the per-rank state (bytes allocated by the simulator, rank_memory) at 4 ranks
#     below 0.4 of that at 1 rank for brunel (ideal 0.25; the rest is per-source row
#     offsets and spike queues, which every rank holds whole);
#   - failures: a bad config reported once (not once per rank) with exit status != 0;
#     one rank failing alone (rank 1 cannot create its recording directory) ends the
#     whole job promptly with that rank's message.
set -euo pipefail
source tests/lib/mpi.sh

# --- brunel ---------------------------------------------------------------------------
"$SNNCC" -q models/brunel.lua -o "$WORK/b1"
"$SNNCC" -q --mpi models/brunel.lua -o "$WORK/bm"
"$WORK/b1/brunel" --time 100 --output "$WORK/ref" --quiet
n=$(ls "$WORK"/ref/*.npy | wc -l)
[ "$n" -eq 2 ] || fail "reference run wrote $n spike files"
for np in 1 2 4; do
    for ex in collective p2p; do
        "${MPIRUN[@]}" -np $np "$WORK/bm/brunel" --time 100 --output "$WORK/b_${np}_$ex" \
            --quiet --set exchange=$ex
        same_outputs "$WORK/ref" "$WORK/b_${np}_$ex" "brunel, $np ranks, $ex"
    done
done
for t in 2 3; do
    "$WORK/b1/brunel" --time 100 --output "$WORK/b_t$t" --quiet --set threads=$t
    same_outputs "$WORK/ref" "$WORK/b_t$t" "brunel, one process, $t threads"
done
"${MPIRUN[@]}" -np 2 "$WORK/bm/brunel" --time 100 --output "$WORK/b_2x2" --quiet \
    --set threads=2 --set exchange=p2p
same_outputs "$WORK/ref" "$WORK/b_2x2" "brunel, 2 ranks x 2 threads"
[ -z "$(ls -A "$WORK/b_4_p2p" | grep rank || true)" ] || fail "per-rank directories left behind"
$PY - "$WORK/b_1_collective/run.json" "$WORK/b_4_p2p/run.json" <<'EOF'
import json, sys
one, four = (json.load(open(p)) for p in sys.argv[1:3])
par = four["parallel"]
assert par["ranks"] == 4 and par["exchange"] == "p2p" and par["comm_interval_steps"] == 15, par
for k, v in four["rank_timers"].items():
    assert v["min"] <= v["median"] <= v["max"], (k, v)
assert four["timers"]["simulation_s"] == four["rank_timers"]["simulation_s"]["max"]
s1 = one["rank_memory"]["state_bytes_peak"]["max"]
s4 = four["rank_memory"]["state_bytes_peak"]["max"]
print(f"state bytes per rank: 1 rank {s1:.0f}, 4 ranks {s4:.0f} (ratio {s4 / s1:.3f})")
assert s4 < 0.4 * s1, "memory per rank does not fall with the number of ranks"
assert four["exchange"]["bytes_sent"]["max"] > 0
EOF
ok "run.json: parallel section, per-rank timers, memory per rank falls"

# --- reduced microcircuit: per-synapse delays, fixed_total, Poisson + DC inputs --------
"$SNNCC" -q -D N_scale=0.02 -D K_scale=0.2 models/microcircuit.lua -o "$WORK/m1"
"$SNNCC" -q --mpi -D N_scale=0.02 -D K_scale=0.2 models/microcircuit.lua -o "$WORK/mm"
"$WORK/m1/microcircuit" --time 100 --output "$WORK/mref" --quiet
for np in 2 4; do
    for ex in collective p2p; do
        "${MPIRUN[@]}" -np $np "$WORK/mm/microcircuit" --time 100 --quiet \
            --output "$WORK/m_${np}_$ex" --set exchange=$ex
        same_outputs "$WORK/mref" "$WORK/m_${np}_$ex" "microcircuit, $np ranks, $ex"
    done
done
"$WORK/m1/microcircuit" --time 100 --output "$WORK/m_t3" --quiet --set threads=3
same_outputs "$WORK/mref" "$WORK/m_t3" "microcircuit, one process, 3 threads"
"${MPIRUN[@]}" -np 2 "$WORK/mm/microcircuit" --time 100 --quiet --output "$WORK/m_2x2" \
    --set threads=2
same_outputs "$WORK/mref" "$WORK/m_2x2" "microcircuit, 2 ranks x 2 threads"

# --- spike sources, state recording, noise, fixed_outdegree -----------------------------
cat >"$WORK/mix.lua" <<'EOF'
network { name = "mix", dt = 0.1 }
local S = population { "S", spike_source_array { times = { {1.0, 2.0, 7.5}, {}, {3.3},
                                                           {0.5, 9.9}, {4.0, 4.1, 4.2} } }, 5 }
local A = population { "A", lif { tau_m = 10, V_th = -50, V_reset = -65, t_ref = 2 }, 37,
                       init = { V = uniform(-65, -55) } }
current_source { A, noise { mean = 600.0, sd = 300.0 } }
projection { S, A, conn = all_to_all(), weight = 5000.0, delay = 0.5 }
projection { A, A, conn = fixed_outdegree(5), weight = normal(3000.0, 500.0), delay = 0.3 }
record { S = "spikes", A = { "spikes", "V", every = 3, neurons = 23 } }
EOF
"$SNNCC" -q "$WORK/mix.lua" -o "$WORK/x1"
"$SNNCC" -q --mpi "$WORK/mix.lua" -o "$WORK/xm"
"$WORK/x1/mix" --time 50 --output "$WORK/xref" --quiet
for np in 3 4; do
    "${MPIRUN[@]}" -np $np "$WORK/xm/mix" --time 50 --quiet --output "$WORK/x_$np" \
        --set exchange=p2p
    same_outputs "$WORK/xref" "$WORK/x_$np" "spike sources + state recording, $np ranks"
done
"$WORK/x1/mix" --time 50 --output "$WORK/x_t4" --quiet --set threads=4
same_outputs "$WORK/xref" "$WORK/x_t4" "spike sources + state recording, 4 threads"
ls "$WORK"/xref/A_V.npy >/dev/null || fail "no state recording in the reference run"

# --- failures -------------------------------------------------------------------------
printf 'duration: 10\ndurtion: 5\n' >"$WORK/bad.yaml"
set +e
timeout 60 "${MPIRUN[@]}" -np 2 "$WORK/bm/brunel" --config "$WORK/bad.yaml" \
    --output "$WORK/bad" >"$WORK/bad.out" 2>&1
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "bad config: exit status $rc"
n=$(grep -c "brunel: error: .*bad.yaml:2: unknown key 'durtion'" "$WORK/bad.out" || true)
[ "$n" -eq 1 ] || { cat "$WORK/bad.out"; fail "bad config reported $n times, want once"; }
ok "bad config: one message, exit status $rc"

# rank 1 cannot create its recording directory (a file is in the way): its own failure
mkdir -p "$WORK/lim"
echo "in the way" >"$WORK/lim/.rank1"
set +e
start=$(date +%s)
timeout 120 "${MPIRUN[@]}" -np 2 "$WORK/bm/brunel" --time 100000 --output "$WORK/lim" \
    --quiet >"$WORK/lim.out" 2>&1
rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
[ $rc -ne 0 ] && [ $rc -ne 124 ] || { cat "$WORK/lim.out"; fail "failing rank: exit status $rc"; }
grep -q "brunel: error: rank 1 of 2: .*\.rank1" "$WORK/lim.out" ||
    { cat "$WORK/lim.out"; fail "failing rank: no message from rank 1"; }
n=$(grep -c "brunel: error:" "$WORK/lim.out" || true)
[ "$n" -eq 1 ] || { cat "$WORK/lim.out"; fail "failing rank: $n messages, want 1"; }
[ $elapsed -lt 60 ] || fail "failing rank: the job took $elapsed s to end"
ok "one failing rank ends the job in $elapsed s with its message (exit $rc)"
