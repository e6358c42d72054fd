#!/usr/bin/env bash
# Checkpoints of a batched model (issue 16; docs/run.md "Checkpoints"): the batch model of
# batch.sh (random draws in neuron and synapse code, noise and poisson current sources,
# plastic weights and synapse variables per lane, pre/post traces) with 4 lanes.  Every
# lane's state is stored (lane b >= 1's files "lane<b>.<piece>.bin") and restored:
#   - T steps with a checkpoint at the end + --restore to 2T = 2T steps, every lane's spike
#     and state recordings concatenated bitwise, per-lane spike counts and final synapse
#     checksums equal; on 1 and 2 threads, and a checkpoint of 2 threads restored on 1;
#   - checkpoint.every_steps and SIGTERM mid-run: restored, the same as the uninterrupted run;
#   - a restore with another batch or lane_offset is refused, naming both.
set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export SNN_HEARTBEAT_S=0.2
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
cat >"$WORK/m.lua" <<'LUA'
network { name = "bt", dt = 0.1, seed = 11, precision = "double", batch = 4 }
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
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/sim"
sim="$WORK/sim/bt"

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

"$sim" --time 100 --quiet --output "$WORK/full"
for t in 1 2; do
    "$sim" --time 50 --quiet --output "$WORK/a_t$t" --set threads=$t \
        --set checkpoint.dir="$WORK/ck_t$t" --set checkpoint.at_end=true
    grep -q '"lanes": 4,' "$WORK/ck_t$t/manifest.json" || fail "no lanes in the manifest"
    [ -f "$WORK/ck_t$t/rank0/lane3.E_V.bin" ] || fail "no file of lane 3"
    "$sim" --time 100 --quiet --output "$WORK/b_t$t" --set threads=$t --restore "$WORK/ck_t$t"
    concat "$WORK/full" "$WORK/a_t$t" "$WORK/b_t$t" || fail "threads $t: restored run differs"
done
"$sim" --time 100 --quiet --output "$WORK/b_2to1" --restore "$WORK/ck_t2"
concat "$WORK/full" "$WORK/a_t2" "$WORK/b_2to1" || fail "threads 2 -> 1: restored run differs"
ok "4 lanes: T steps + checkpoint + restore = 2T steps, every lane bitwise (1, 2 threads, 2 -> 1)"

"$sim" --time 80 --quiet --output "$WORK/ev_a" --set checkpoint.dir="$WORK/ck_ev" \
    --set checkpoint.every_steps=300
grep -q '"step": 600,' "$WORK/ck_ev/manifest.json" || fail "every_steps: not the checkpoint of step 600"
"$sim" --time 100 --quiet --output "$WORK/ev_b" --restore "$WORK/ck_ev"
concat "$WORK/full" - "$WORK/ev_b" 60 || fail "every_steps: restored run differs"
ok "4 lanes: checkpoint.every_steps (step 600) restores every lane"

d="$WORK/sig"
"$sim" --time 10000000 --quiet --output "$d" --set checkpoint.dir="$d.ck" &
pid=$!
for _ in $(seq 1 300); do
    [ -f "$d/run.json" ] && grep -q '"steps_done": [1-9]' "$d/run.json" && break
    sleep 0.1
done
kill -TERM $pid
st=0
wait $pid || st=$?
[ "$st" -eq 143 ] || fail "SIGTERM: exit status $st, not 143"
T=$(grep '"step"' "$d.ck/manifest.json" | tr -dc 0-9)
[ -n "$T" ] && [ "$T" -gt 0 ] || fail "SIGTERM: no checkpoint step"
end=$($PY -c "print(($T + 300) / 10)")
"$sim" --time "$end" --quiet --output "$WORK/sig_full"
"$sim" --time "$end" --quiet --output "$WORK/sig_b" --restore "$d.ck" --set threads=2
concat "$WORK/sig_full" "$d" "$WORK/sig_b" || fail "SIGTERM: restored run differs"
ok "4 lanes: SIGTERM at step $T, restored on 2 threads = uninterrupted, every lane"

# another batch, another lane_offset: refused before anything is built
st=0
"$sim" --time 100 --quiet --output "$WORK/bad1" --restore "$WORK/ck_t1" --set batch=2 \
    >"$WORK/bad1.txt" 2>&1 || st=$?
[ "$st" -eq 1 ] || fail "batch 2: exit status $st"
grep -q "the checkpoint '$WORK/ck_t1' holds 4 batch lanes, this run has 2: restore it with batch 4" \
    "$WORK/bad1.txt" || { cat "$WORK/bad1.txt"; fail "batch 2: message"; }
st=0
"$sim" --time 100 --quiet --output "$WORK/bad2" --restore "$WORK/ck_t1" --set lane_offset=4 \
    >"$WORK/bad2.txt" 2>&1 || st=$?
[ "$st" -eq 1 ] || fail "lane_offset: exit status $st"
grep -q "was written with lane_offset 0, this run has 4: restore it with lane_offset 0" \
    "$WORK/bad2.txt" || { cat "$WORK/bad2.txt"; fail "lane_offset: message"; }
[ ! -e "$WORK/bad1" ] && [ ! -e "$WORK/bad2" ] || fail "a refused restore made its output directory"
ok "a restore with another batch or lane_offset is refused, naming both"
