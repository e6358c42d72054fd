#!/usr/bin/env bash
# Step threads (run config step_threads; docs/parallel.md "Threads in the step loop"): the
# step loop runs the thread blocks ('threads') on 1 .. threads step threads, several blocks
# in order on one thread, through the runtime's pool (runtime/rt_pool.c):
#   1. the same spikes, connectivity and synapse checksums as one thread, bitwise, for 2
#      and 3 blocks run on 1, 2 and 3 forced step threads: brunel (one region per step;
#      also 2 MPI ranks x 3 blocks on 2 step threads)
#      and a plastic network with synapse dynamics (two regions per step, on_pre/on_post,
#      random draws);
#      Brunel (minimum delay 15 steps) runs windows of up to 15 steps between joins
#      (docs/parallel.md "Joining once per minimum delay"): also with finite checks every
#      7 steps (windows cut there), 2 ranks x 2 blocks in both exchange modes, and COBA
#      (one-step delays: a join every step) on 3 blocks and 2 step threads;
#   2. run.json "parallel": blocks, step_threads, step_threads_choice, the pool's regions,
#      the probes' cost within its budget (1 % of the wall time between probes; brunel auto),
#      window_steps and joins_per_step (brunel: one join per window, ~1/15 per step;
#      COBA 1; the plastic network 2, two regions per step);
#      a tiny model left to choose runs on one step thread after timing its steps;
#   3. bad values: step_threads above threads, 0, not a number: errors naming the source.
set -euo pipefail
source tests/lib/mpi.sh

# --- 1. bitwise the same for every choice -----------------------------------------------
"$SNNCC" -q models/brunel.lua -o "$WORK/b"
"$WORK/b/brunel" --time 100 --output "$WORK/bref" --quiet
for bs in "2 1" "2 2" "3 1" "3 2" "3 3"; do
    set -- $bs
    "$WORK/b/brunel" --time 100 --output "$WORK/b_$1_$2" --quiet \
        --set threads=$1 --set step_threads=$2 2>/dev/null
    same_outputs "$WORK/bref" "$WORK/b_$1_$2" "brunel, $1 blocks on $2 step thread(s)"
done
"$SNNCC" -q --mpi models/brunel.lua -o "$WORK/bm"
"${MPIRUN[@]}" -np 2 "$WORK/bm/brunel" --time 100 --output "$WORK/b_m2" --quiet \
    --set threads=3 --set step_threads=2 2>/dev/null
same_outputs "$WORK/bref" "$WORK/b_m2" "brunel, 2 ranks x 3 blocks on 2 step threads"
"${MPIRUN[@]}" -np 2 "$WORK/bm/brunel" --time 100 --output "$WORK/b_m2p" --quiet \
    --set threads=2 --set step_threads=2 --set exchange=p2p 2>/dev/null
same_outputs "$WORK/bref" "$WORK/b_m2p" "brunel, 2 ranks x 2 blocks on 2 step threads, p2p"
"$WORK/b/brunel" --time 100 --output "$WORK/b_fc7" --quiet \
    --set threads=3 --set step_threads=2 --set finite_check=7 2>/dev/null
same_outputs "$WORK/bref" "$WORK/b_fc7" "brunel, windows cut by finite checks every 7 steps"
"$SNNCC" -q models/coba.lua -o "$WORK/c"
"$WORK/c/coba" --time 100 --output "$WORK/cref" --quiet
"$WORK/c/coba" --time 100 --output "$WORK/c_3_2" --quiet --set threads=3 --set step_threads=2 \
    2>/dev/null
same_outputs "$WORK/cref" "$WORK/c_3_2" "coba, 3 blocks on 2 step threads"

cat >"$WORK/pl.lua" <<'LUA'
network { name = "pl", dt = 0.1, seed = 11, precision = "double" }
local pv = neuron { name = "pv", params = { rate = 40.0 }, vars = { V = 0.0 },
                    sim = "V = -65.0 + 10.0 * uniform();",
                    threshold = "V < -65.0 + 10.0 * rate * dt * 0.001" }
local S = population { "S", pv, 50 }
local E = population { "E", lif, 41, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
local elig = synapse { name = "elig",
  params = { A = 2.0, tau_e = 50.0, eta = 0.05, w_max = 300.0 },
  vars = { w = 100.0, e = 0.0, r = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  on_pre = "e -= A * y;", on_post = "e += A * x;",
  pre_spike = "x += 1.0;", post_spike = "y += 1.0;",
  pre_dynamics = "x *= exp(-dt / 20.0);", post_dynamics = "y *= exp(-dt / 20.0);",
  dynamics = [[e *= exp(-dt / tau_e); r += uniform();
    w = fmin(w_max, fmax(0.0, w + eta * e * (V_post + 65.0) * dt + 0.01 * normal()));]] }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = elig,
             weight = uniform(50.0, 150.0), delay = 0.5, psm = exp_curr(2.0) }
projection { E, E, name = "EE", conn = all_to_all(), synapse = elig { A = 1.0 },
             weight = 20.0, delay = 0.2, psm = exp_curr(2.0) }
record { E = "spikes", SE = { "w", "e", "r" }, EE = { "w", "r", every = 500 } }
LUA
"$SNNCC" -q "$WORK/pl.lua" -o "$WORK/p"
"$WORK/p/pl" --time 300 --output "$WORK/pref" --quiet
for bs in "2 1" "2 2" "3 2" "3 3"; do
    set -- $bs
    "$WORK/p/pl" --time 300 --output "$WORK/p_$1_$2" --quiet \
        --set threads=$1 --set step_threads=$2 2>/dev/null
    same_outputs "$WORK/pref" "$WORK/p_$1_$2" "plastic, $1 blocks on $2 step thread(s)"
done

# --- 2. run.json ---------------------------------------------------------------------------
# brunel left to choose (two blocks, probes with turns): the same spikes, and the probes'
# cost within their budget (checked below)
"$WORK/b/brunel" --time 300 --output "$WORK/bref300" --quiet
"$WORK/b/brunel" --time 300 --output "$WORK/b_auto" --quiet -v --set threads=2 \
    2>"$WORK/b_auto.err"
same_outputs "$WORK/bref300" "$WORK/b_auto" "brunel, 2 blocks, step threads auto"
cat >"$WORK/tiny.lua" <<'LUA'
network { name = "tiny", dt = 0.1, seed = 5 }
local E = population { "E", lif, 20, init = { V = uniform(-70.0, -50.0) } }
current_source { E, dc { amp = 400.0 } }
projection { E, E, name = "EE", conn = fixed_probability(0.2), weight = 1.0, delay = 1.0 }
LUA
"$SNNCC" -q "$WORK/tiny.lua" -o "$WORK/t"
"$WORK/t/tiny" --time 100 --output "$WORK/t_auto" --quiet -v --set threads=2 2>"$WORK/t_auto.err"
grep -q "^tiny: step threads: [12] (steps to [0-9]*: [0-9.]* us " "$WORK/t_auto.err" \
    || { cat "$WORK/t_auto.err"; fail "-v does not report the choice"; }
"$WORK/t/tiny" --time 100 --output "$WORK/t_one" --quiet -v 2>"$WORK/t_one.err"
grep -q "^tiny: step threads: 1 (one block, 1 thread block)" "$WORK/t_one.err" \
    || { cat "$WORK/t_one.err"; fail "-v: one block"; }
$PY - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
par = lambda d: json.load(open(f"{w}/{d}/run.json"))["parallel"]
a = par("t_auto")
assert a["blocks"] == 2 and a["threads"] == 2, a
assert a["step_threads_choice"] == "auto", a
pr = a["step_probe"]
assert pr["probes"] >= 1 and pr["one_thread_step_s"] > 0 and pr["one_thread_work_s"] > 0, pr
if pr["threads_by_check"]:
    # (not expected: a slow build's work per join above 2 x 10 us) the threads were left to
    # the running check, which may have sent the run back to one thread
    assert a["step_threads"] in (1, 2), a
elif pr["threads_step_s"] is None:
    # decided by size: a step of 20 neurons is far below 2 x 10 us of work (CPU time)
    assert a["step_threads"] == 1 and pr["one_thread_work_per_join_s"] < 20e-6, a
    # a join every 10 steps (delay 1 ms): the work per join is the window's, not a step's
    assert pr["one_thread_work_per_join_s"] > 5 * pr["one_thread_work_s"], pr
else:
    # (not expected: the CPU time is not inflated by a loaded machine) the threads were
    # timed too, and the faster won
    assert a["step_threads"] == (2 if pr["turn_ratio"] < 1 else 1), a
o = par("t_one")
assert o["blocks"] == 1 and o["step_threads"] == 1 and o["step_threads_choice"] == "one block", o
def windows(steps, w, fc):
    # the step loop's windows: [s, e) ends at a multiple of w, of the finite check, or the end
    return sum(1 for e in range(1, steps + 1) if e % w == 0 or (fc and e % fc == 0) or e == steps)
# brunel: 1000 steps in windows of up to 15 (minimum delay 1.5 ms at dt 0.1 ms) cut at the
# finite checks (default every 100 steps): one region (join) per window; COBA (one-step
# delays) one per step; the plastic network: 3000 steps, two regions each
for d, blocks, st, steps, regions, win in (
        ("b_3_2", 3, 2, 1000, windows(1000, 15, 100), 15), ("b_2_1", 2, 1, 0, 0, 15),
        ("b_fc7", 3, 2, 1000, windows(1000, 15, 7), 15), ("c_3_2", 3, 2, 1000, 1000, 1),
        ("p_3_3", 3, 3, 3000, 6000, 1)):
    p = par(d)
    assert p["blocks"] == blocks and p["step_threads"] == st, (d, p)
    assert p["step_threads_choice"] == "forced", (d, p)
    pr = p["step_probe"]
    assert pr["regions"] == regions and pr["steps_threaded"] == steps, (d, regions, p)
    assert p["window_steps"] == win, (d, p)
    assert p["joins_per_step"] == (regions / steps if steps else None), (d, p)
    # each worker's wall time in the blocks it ran, within the regions' (the rest is its
    # wait at the joins; a worker late for every region of a tiny model, as COBA's on a
    # loaded machine, leaves all its blocks to the others: 0); none without threaded regions
    busy = pr["busy_s"]
    assert len(busy) == (st if steps else 0), (d, p)
    assert all(0 <= x <= pr["region_s"] * (1 + 1e-9) for x in busy), (d, p)
    assert not steps or busy[0] > 0, (d, p)
    assert 0 <= pr["blocks_stolen"] <= regions * (blocks - blocks // st), (d, p)
    assert (pr["region_s"] > 0) == (steps > 0), (d, p)
    sim = json.load(open(f"{w}/{d}/run.json"))["timers"]["simulation_s"]
    assert pr["region_s"] <= sim, (d, sim, p)
assert windows(1000, 15, 100) == 73 and par("b_3_2")["joins_per_step"] < 1 / 13, par("b_3_2")
assert par("c_3_2")["joins_per_step"] == 1 and par("p_3_3")["joins_per_step"] == 2
m = par("b_m2")
assert m["window_steps"] == 15 and m["step_probe"]["regions"] == windows(1000, 15, 100), m
# the probes' cost (their steps on the losing side times the difference that decided): each
# probe puts at least 100 times its cost of wall time before the next one (PROBE_SHARE 1 %),
# at most 2 s (16 s after the threads lost), so all probes but the last fit in 1 % of the
# simulation's wall time, their cost taken at most 20 ms (160 ms); -v prints each probe
ba = par("b_auto")
pr = ba["step_probe"]
assert ba["step_threads_choice"] == "auto" and pr["probes"] >= 1, ba
# the running check (docs/parallel.md "Claimed blocks"): its counts; a loss or a trial
# only after a check, a trial only after a loss
assert 0 <= pr["run_losses"] <= pr["run_checks"] and pr["run_trials"] <= pr["run_losses"], pr
assert pr["run_checks"] == 0 or pr["run_ratio"] > 0, pr
for d in ("b_3_2", "c_3_2", "p_3_3"):  # forced: no check
    q = par(d)["step_probe"]
    assert q["run_checks"] == 0 and q["run_trials"] == 0 and q["run_ratio"] is None, (d, q)
assert 0 <= pr["probe_cost_max_s"] <= pr["probe_cost_s"], pr
# threads left to the running check only where stage 1 saw a free core per extra thread
# (other processes' runnable tasks below cores - 2 + 1/2)
cores = json.load(open(f"{w}/b_auto/run.json"))["host"]["cores"]
assert isinstance(pr["threads_by_check"], bool), pr
assert pr["others_running"] is None or pr["others_running"] >= 0, pr
if pr["threads_by_check"]:
    assert pr["others_running"] is not None and pr["others_running"] < cores - 1.5, (cores, pr)
sim = json.load(open(f"{w}/b_auto/run.json"))["timers"]["simulation_s"]
lines = [l for l in open(f"{w}/b_auto.err") if l.startswith("brunel: step threads: ")]
assert len(lines) == pr["probes"], (lines, pr)
# (choice, cost, interval to the next) of the probes that timed both sides
tc = [(int(l.split("step threads: ")[1].split()[0]),
       float(l.split("probe cost ")[1].split(" ms")[0]) * 1e-3,
       float(l.split("next in ")[1].split(" s")[0])) for l in lines if "probe cost" in l]
assert abs(sum(c for _, c, _ in tc) - pr["probe_cost_s"]) <= 1e-5 * (1 + len(tc)), (tc, pr)
cap = lambda ch: 2.0 if ch > 1 else 16.0
for ch, c, nxt in tc:
    assert nxt >= min(c / 0.01, cap(ch)) - 0.01, (ch, c, nxt)  # printed to 0.01 s
if len(lines) == len(tc):  # every probe timed both sides: each but the last paid its gap
    assert sum(min(c, 0.01 * cap(ch)) for ch, c, _ in tc[:-1]) <= 0.01 * sim + 1e-9, (sim, tc)
print("run.json: blocks, step_threads, choice, probe, pool counts, busy times and joins as expected")
print(f"brunel auto: {pr['probes']} probes, cost {pr['probe_cost_s'] * 1e3:.2f} ms "
      f"(largest {pr['probe_cost_max_s'] * 1e3:.2f} ms) in {sim:.3f} s")
PY
ok "run.json reports the step threads and how they were chosen"

# --- 3. bad values ---------------------------------------------------------------------------
expect_error() { # what, expected message, simulator args...
    local what=$1 msg=$2
    shift 2
    if "$@" >/dev/null 2>"$WORK/err"; then fail "$what: accepted"; fi
    grep -qF "$msg" "$WORK/err" || { cat "$WORK/err"; fail "$what: message"; }
}
expect_error "step_threads above threads" \
    "tiny: error: --set 'step_threads=3': 'step_threads' 3 is more than 'threads' 2" \
    "$WORK/t/tiny" --time 1 --output "$WORK/e1" --set threads=2 --set step_threads=3
printf 'threads: 2\nstep_threads: 4\n' >"$WORK/c.yaml"
expect_error "step_threads above threads, config file" \
    "c.yaml:2: 'step_threads' 4 is more than 'threads' 2" \
    "$WORK/t/tiny" --time 1 --output "$WORK/e2" --config "$WORK/c.yaml"
expect_error "step_threads 0" "'step_threads' must be a whole number from 1 to 1024 (got" \
    "$WORK/t/tiny" --time 1 --output "$WORK/e3" --set step_threads=0
expect_error "step_threads many" "'step_threads' must be a whole number from 1 to 1024 (got" \
    "$WORK/t/tiny" --time 1 --output "$WORK/e4" --set step_threads=many
"$WORK/t/tiny" --time 1 --output "$WORK/e5" --quiet --set step_threads=auto --set threads=2
ok "bad step_threads values refused with their source"
