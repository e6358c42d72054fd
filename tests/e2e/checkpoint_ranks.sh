#!/usr/bin/env bash
# Checkpoints restored on another number of MPI ranks (issue 16 item 4; docs/run.md
# "Checkpoints", "Another number of ranks"), on a model with STDP, per-synapse delays (a
# dendritic ring whose depth differs from rank to rank), a poisson population, noise and
# poisson_input current sources, an alpha synapse and spike, state and synapse recordings:
#   - T steps on R ranks + a checkpoint, restored on R' ranks up to 2T = 2T steps on one
#     rank, bitwise (spikes, recordings, spike counts, final checksums): 2 -> 1, 1 -> 2,
#     2 -> 3 (oversubscribed), 3 -> 2 with the point-to-point exchange, a checkpoint of the
#     MPI build's 2 ranks restored by the one-process build, and the one-process build's
#     checkpoint at a step between two exchanges restored on 2 ranks;
#     (under which a rank updates only the presynaptic variables of the sources it has
#     synapses from: each source's value comes from such a rank);
#   - what cannot be re-partitioned is refused naming it: a presynaptic variable that two
#     old ranks with synapses from the source hold with different values (edited, the
#     manifest's CRC-32 fixed).
set -euo pipefail
source tests/lib/mpi.sh

cat >"$WORK/ck.lua" <<'LUA'
network { name = "ck", dt = 0.1, seed = 5 }
local S = population { "S", poisson { rate = 40.0 }, 20 }
local E = population { "E", lif, 30, init = { V = uniform(-70.0, -55.0) } }
local I = population { "I", lif, 10 }
current_source { E, noise { mean = 400.0, sd = 200.0 } }
current_source { I, poisson_input { rate = 8000.0, weight = 87.8 }, psm = exp_curr(0.5) }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = stdp { A_plus = 1.0,
             A_minus = 1.0, w_max = 100.0 }, weight = uniform(10.0, 20.0), delay = 1.2 }
projection { E, I, name = "EI", conn = fixed_indegree(5), weight = 50.0, delay = uniform(1.0, 4.0) }
projection { I, E, name = "IE", conn = fixed_probability(0.2), weight = -30.0, delay = 1.5,
             psm = alpha_curr(2.0) }
record { E = { "V", "spikes", every = 7 }, I = "spikes", S = "spikes", SE = { "w", every = 100 } }
LUA
"$SNNCC" -q "$WORK/ck.lua" -o "$WORK/b"
"$SNNCC" -q --mpi "$WORK/ck.lua" -o "$WORK/bm"
sim="$WORK/bm/ck"

# concat FULL FIRST SECOND: FIRST's recordings followed by SECOND's equal FULL's bitwise (the
# synapse recording's end snapshot of FIRST left out); SECOND's spike counts and
# final_checksum equal FULL's
concat() {
    $PY - "$@" <<'PY'
import json, os, sys
import numpy as np
full, first, second = sys.argv[1:4]
for f in ["spikes_E.npy", "spikes_I.npy", "spikes_S.npy", "E_V.npy", "SE_w.npy"]:
    x = np.load(f"{full}/{f}")
    a, b = np.load(f"{first}/{f}"), np.load(f"{second}/{f}")
    if f == "SE_w.npy":
        a = a[a["t"] != a["t"][-1]]
    y = np.concatenate([a, b])
    assert len(x) == len(y) and x.tobytes() == y.tobytes(), f"{f}: {len(x)} vs {len(y)} records differ"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
assert [p["spikes"] for p in r1["populations"]] == [p["spikes"] for p in r2["populations"]]
assert [p.get("final_checksum") for p in r1["projections"]] == [p.get("final_checksum") for p in r2["projections"]]
assert r2["status"] == "complete" and r2["run"]["restored_from"]["step"] == int(os.environ.get("STEP", 1000)), r2["run"]
PY
}

"$WORK/b/ck" --time 200 --quiet --output "$WORK/full"
first() { # TAG RANKS [ARGS]: 100 ms on RANKS ranks, a checkpoint at the end (ck_TAG)
    local tag=$1 np=$2
    shift 2
    "${MPIRUN[@]}" -np "$np" "$sim" --time 100 --quiet --output "$WORK/a_$tag" \
        --set checkpoint.dir="$WORK/ck_$tag" --set checkpoint.at_end=true "$@"
}
first 1 1
first 2 2
first 3p 3 --set exchange=p2p
[ -d "$WORK/ck_2/rank1" ] || fail "2 ranks: no rank1 share"
# the rings' depths differ from rank to rank (the longest delay onto each rank's block)
$PY - "$WORK/ck_3p" <<'PY' || fail "the test needs rings of different depths"
import json, sys
rings = {p["piece"]: p["bytes"] // 4 for p in json.load(open(f"{sys.argv[1]}/manifest.json"))["pieces"]
         if p["piece"].endswith("/snn_dd0_I")}
assert sorted(rings) == [f"rank{r}/snn_dd0_I" for r in range(3)], rings
sizes = set(rings.values())
assert len(sizes) > 1, sizes
PY
restore() { # FROM-TAG TO [ARGS]
    local from=$1 to=$2
    shift 2
    "${MPIRUN[@]}" -np "$to" "$sim" --time 200 --quiet --output "$WORK/b_${from}to$to" \
        --restore "$WORK/ck_$from" "$@"
    concat "$WORK/full" "$WORK/a_$from" "$WORK/b_${from}to$to" || fail "$from -> $to ranks: restored run differs"
    ok "checkpoint of ${from%p} rank(s) restored on $to $*: = the uninterrupted run, bitwise"
}
restore 2 1
restore 1 2
restore 2 3
restore 3p 2 --set exchange=p2p
"$WORK/b/ck" --time 200 --quiet --output "$WORK/b_2to1p" --restore "$WORK/ck_2"
concat "$WORK/full" "$WORK/a_2" "$WORK/b_2to1p" || fail "2 ranks -> the one-process build: differs"
ok "checkpoint of 2 ranks restored by the one-process build"

# the one-process build's checkpoint after step 995 (not at an exchange: the minimum delay is
# 10 steps) restored on 2 ranks, whose first exchange interval is cut short
"$WORK/b/ck" --time 99.5 --quiet --output "$WORK/a_odd" --set checkpoint.dir="$WORK/ck_odd" \
    --set checkpoint.at_end=true
grep -q '"step": 995,' "$WORK/ck_odd/manifest.json" || fail "no checkpoint at step 995"
"${MPIRUN[@]}" -np 2 "$sim" --time 200 --quiet --output "$WORK/b_odd" --restore "$WORK/ck_odd"
STEP=995 concat "$WORK/full" "$WORK/a_odd" "$WORK/b_odd" || fail "step 995, 1 -> 2 ranks: differs"
ok "the one-process build's checkpoint at step 995 restored on 2 ranks: bitwise"

# the old ranks disagree on a presynaptic variable: refused, naming it
rm -rf "$WORK/ck_bad"
cp -r "$WORK/ck_2" "$WORK/ck_bad"
$PY - "$WORK/ck_bad" <<'PY'
import json, re, sys, zlib
d = sys.argv[1]
m = open(f"{d}/manifest.json").read()
piece = [p for p in json.loads(m)["pieces"] if p["piece"] == "rank1/snn_pv_SE_x"][0]
data = bytearray(open(f"{d}/rank1/state.bin", "rb").read())
data[piece["offset"]] ^= 1
open(f"{d}/rank1/state.bin", "wb").write(data)
b = data[piece["offset"]:piece["offset"] + piece["bytes"]]
m = re.sub(r'("piece": "rank1/snn_pv_SE_x", [^}]*"crc32": ")[0-9a-f]+', lambda g: g.group(1) + "%08x" % zlib.crc32(bytes(b)), m)
open(f"{d}/manifest.json", "w").write(m)
PY
st=0
"$WORK/b/ck" --time 200 --quiet --output "$WORK/bad" --restore "$WORK/ck_bad" 2>"$WORK/bad.err" || st=$?
[ "$st" -eq 1 ] || fail "disagreeing ranks: exit status $st"
grep -qF "ck: error: --restore: the checkpoint '$WORK/ck_bad' was written by 2 ranks, this run has 1: state 'snn_pv_SE_x' cannot be re-partitioned (the ranks with synapses from a source hold different values of it); restore it on 2 ranks" "$WORK/bad.err" ||
    fail "disagreeing ranks: $(cat "$WORK/bad.err")"
"${MPIRUN[@]}" -np 2 "$sim" --time 200 --quiet --output "$WORK/bad_same" --restore "$WORK/ck_bad"
ok "state the old ranks disagree on: refused naming it (the same number of ranks loads it)"
