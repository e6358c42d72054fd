#!/usr/bin/env bash
# The run config 'blocks' (docs/run.md; docs/parallel.md "How many blocks"): the thread
# blocks chosen before the build from the compiler's estimate of the work per step
# (SNN_BLOCKS=auto here: the tests' runner sets the default to 'threads').
#   1. auto: a network of 4,100 neurons (3,000 with a Poisson current source) and 351,000 +
#      1,000 expected synapses (fixed_indegree, fixed_probability, all_to_all, one_to_one, a
#      user-defined pair rule with max_prob naming its parameter) joins its step threads
#      every step with delays of dt (about 3 us of work: one block on 2 threads) and once
#      per window of 15 steps with delays of 1.5 ms (about 45 us: 2 blocks on 2 threads,
#      4 on 8); run.json's estimate equals the documented formula (rt_main.c constants),
#      its 'blocks_choice' and 'blocks_why' say it, and so does -v;
#   2. the spikes, counts and checksums are the same bitwise for auto (1, 2 and 4 blocks),
#      blocks forced to 1, 2, 3, SNN_BLOCKS=threads, step_threads forced (blocks at least
#      that many), and 2 and 3 MPI ranks (each rank weighs its share: 2 blocks, then 1);
#   3. a user-defined rule without a bound: its synapse count is not known before the
#      build, so as many blocks as threads, naming the projection;
#   4. checkpoints (no windows while they are on: auto gives one block) restored on 3 blocks
#      and with auto (2 blocks), and one of 2 forced blocks restored on one thread, give the
#      uninterrupted run's spikes;
#   5. bad values: blocks above threads, step_threads above blocks, 0, a word, and
#      SNN_BLOCKS not a number: errors naming the source.
# test: weight 2
set -euo pipefail
source tests/lib/mpi.sh # same_outputs
export SNN_BLOCKS=auto

cat >"$WORK/ba.lua" <<'LUA'
network { name = "ba", dt = 0.1, seed = 3 }
local D = param("delay", 0.1)
local E = population { "E", lif, 3000, init = { V = uniform(-70.0, -55.0) } }
local I = population { "I", lif, 1000 }
local S = population { "S", poisson { rate = 20.0 }, 100 }
current_source { E, poisson_input { rate = 8000.0, weight = 87.8 }, psm = exp_curr(0.5) }
current_source { I, noise { mean = 400.0, sd = 200.0 } }
local band = connectivity { name = "band", params = { p = 0.0002 }, prob = "p",
                            max_prob = param("unbounded", 0) == 0 and "p" or nil }
projection { E, I, name = "EI", conn = fixed_indegree(20), weight = 30.0, delay = D }
projection { I, E, name = "IE", conn = fixed_probability(0.01), weight = -40.0, delay = D }
projection { S, E, name = "SE", conn = all_to_all(), weight = 5.0, delay = D }
projection { I, I, name = "II", conn = one_to_one(), weight = -5.0, delay = D }
projection { E, I, name = "B", conn = band { p = 0.0002 }, weight = 10.0, delay = D }
record { E = "spikes", I = "spikes", S = "spikes" }
LUA
"$SNNCC" -q "$WORK/ba.lua" -o "$WORK/s1"                      # a join every step
"$SNNCC" -q -D delay=1.5 "$WORK/ba.lua" -o "$WORK/s15"        # windows of 15 steps
"$SNNCC" -q -D delay=1.5 -D unbounded=1 "$WORK/ba.lua" -o "$WORK/su"

# --- 1. auto ----------------------------------------------------------------------------
run() { # dir out args...
    local d=$1 o=$2
    shift 2
    "$WORK/$d/ba" --time 50 --quiet --output "$WORK/$o" "$@"
}
run s1 a1 --set threads=2 -v 2>"$WORK/a1.err"
run s15 a15 --set threads=2 -v 2>"$WORK/a15.err"
run s15 a15t8 --set threads=8 --set step_threads=1
grep -q "^ba: blocks: 1 (auto: 3.0 us of work between two joins (estimated: 7.1e+03 neurons, 3.52e+05 synapses per spike, 0 synapses every step, 1 step a join), less than 2 x 10 us)$" "$WORK/a1.err" ||
    fail "-v, one block: $(cat "$WORK/a1.err")"
grep -q "^ba: blocks: 2 (auto: 45.2 us of work between two joins (.*15 steps a join), at least 2 x 10 us)$" "$WORK/a15.err" ||
    fail "-v, two blocks: $(cat "$WORK/a15.err")"
$PY - "$WORK" <<'PY'
import json, math, sys
w = sys.argv[1]
# the estimate (runtime/rt_main.c choose_blocks, docs/parallel.md "How many blocks"):
# neurons (E counted twice: its Poisson current source) x 0.35 ns, synapses x 10 Hz x dt
# x 1.5 ns, per step, times the steps between two joins
neurons = 3000 + 1000 + 100 + 3000
syn = 20 * 1000 + 0.01 * 1000 * 3000 + 100 * 3000 + 1000 + 0.0002 * 3000 * 1000
step = neurons * 0.35e-9 + syn * 10 * 0.1e-3 * 1.5e-9
for d, win, threads, blocks in (("a1", 1, 2, 1), ("a15", 15, 2, 2), ("a15t8", 15, 8, 4)):
    p = json.load(open(f"{w}/{d}/run.json"))["parallel"]
    assert p["window_steps"] == win, (d, p)
    assert math.isclose(p["blocks_work_per_join_us"], step * win * 1e6, rel_tol=1e-9), (d, p, step * win)
    assert blocks == (1 if step * win < 20e-6 else min(threads, int(step * win / 10e-6))), (d, step)
    assert p["threads"] == threads and p["blocks"] == blocks and p["blocks_choice"] == "auto", (d, p)
    assert ("less than" if blocks == 1 else "at least") in p["blocks_why"], p
    assert p["step_threads_choice"] == ("one block" if blocks == 1 else "auto" if d != "a15t8" else "forced"), p
PY
ok "auto: 1 block for a join every step (3.0 us), 2 on 2 threads and 4 on 8 for windows of 15 steps (45.2 us); run.json and -v"

# --- 2. the same spikes for every choice ---------------------------------------------------
run s15 ref --set threads=1
same_outputs "$WORK/ref" "$WORK/a15" "auto, 2 blocks"
same_outputs "$WORK/ref" "$WORK/a15t8" "auto, 4 blocks on one step thread"
for b in 1 2 3; do
    run s15 f$b --set threads=3 --set blocks=$b
    $PY -c "import json,sys; p=json.load(open('$WORK/f$b/run.json'))['parallel']; assert p['blocks'] == $b and p['blocks_choice'] == 'forced', p"
    same_outputs "$WORK/ref" "$WORK/f$b" "blocks=$b forced"
done
SNN_BLOCKS=threads run s1 th --set threads=3 --set step_threads=1
$PY -c "import json,sys; p=json.load(open('$WORK/th/run.json'))['parallel']; assert p['blocks'] == 3 and p['blocks_choice'] == 'threads', p"
run s1 ref1 --set threads=1
same_outputs "$WORK/ref1" "$WORK/a1" "auto, 1 block of 2 threads"
same_outputs "$WORK/ref1" "$WORK/th" "SNN_BLOCKS=threads, 3 blocks"
run s1 st2 --set threads=3 --set step_threads=2
$PY -c "import json,sys; p=json.load(open('$WORK/st2/run.json'))['parallel']; assert p['blocks'] == 2 and p['step_threads'] == 2 and 'step_threads 2 forced' in p['blocks_why'], p"
same_outputs "$WORK/ref1" "$WORK/st2" "step_threads=2 forced: 2 blocks"

# MPI: each rank weighs its share (45.2 us / ranks a join): 2 ranks x 2 blocks, 3 ranks x 1
"$SNNCC" -q --mpi -D delay=1.5 "$WORK/ba.lua" -o "$WORK/sm"
for np in 2 3; do
    "${MPIRUN[@]}" -np $np "$WORK/sm/ba" --time 50 --quiet --output "$WORK/m$np" --set threads=2 \
        --set step_threads=1
    $PY - "$WORK/m$np/run.json" $np <<'PY'
import json, math, sys
p = json.load(open(sys.argv[1]))["parallel"]
np_ = int(sys.argv[2])
assert p["ranks"] == np_ and p["blocks"] == (2 if np_ == 2 else 1), p
assert math.isclose(p["blocks_work_per_join_us"], 45.186 / np_, rel_tol=1e-9), p
assert "on this rank" in p["blocks_why"], p
PY
    same_outputs "$WORK/ref" "$WORK/m$np" "$np MPI ranks, auto blocks"
done

# --- 3. a rule that does not tell its count --------------------------------------------------
"$WORK/su/ba" --time 20 --quiet --output "$WORK/u" --set threads=3 --set step_threads=1
$PY - "$WORK/u/run.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["parallel"]
assert p["blocks"] == 3 and p["blocks_choice"] == "auto" and p["blocks_work_per_join_us"] is None, p
assert p["blocks_why"].startswith("projection 'B': its rule does not tell"), p
PY
ok "a user-defined rule without max_prob: as many blocks as threads"

# --- 4. checkpoints with auto blocks -----------------------------------------------------------
# With checkpoints on the step loop runs no windows (docs/parallel.md), so auto sees 3 us
# between joins: one block.  Restored on 3 blocks (SNN_BLOCKS=threads) and with auto (no
# checkpoints: windows, 2 blocks); a checkpoint of 2 forced blocks restored on one thread.
run s15 full --set threads=2 --time 100
run s15 half --set threads=2 --set checkpoint.dir="$WORK/ck" --set checkpoint.at_end=true
run s15 half2 --set threads=2 --set blocks=2 --set checkpoint.dir="$WORK/ck2" --set checkpoint.at_end=true
$PY - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
m = json.load(open(f"{w}/ck/manifest.json"))
assert m["decomposition"] == {"ranks": 1, "threads": 2, "blocks": 1}, m["decomposition"]
p = json.load(open(f"{w}/half/run.json"))["parallel"]
assert p["blocks_choice"] == "auto" and "1 step a join" in p["blocks_why"], p
m = json.load(open(f"{w}/ck2/manifest.json"))
assert m["decomposition"] == {"ranks": 1, "threads": 2, "blocks": 2}, m["decomposition"]
PY
restored() { # checkpoint-run restored-run blocks
    $PY - "$WORK/full" "$WORK/$1" "$WORK/$2" "$3" <<'PY'
import json, sys
import numpy as np
full, half, rest, b = sys.argv[1:5]
for f in ("spikes_E.npy", "spikes_I.npy", "spikes_S.npy"):
    x = np.load(f"{full}/{f}")
    y = np.concatenate([np.load(f"{half}/{f}"), np.load(f"{rest}/{f}")])
    assert len(x) > 0 and x.tobytes() == y.tobytes(), (rest, f, len(x), len(y))
p = json.load(open(f"{rest}/run.json"))["parallel"]
assert p["blocks"] == int(b), p
PY
}
SNN_BLOCKS=threads "$WORK/s15/ba" --time 100 --quiet --output "$WORK/r3" --set threads=3 --restore "$WORK/ck"
restored half r3 3
# restored without checkpoints: windows again, auto gives 2 blocks
"$WORK/s15/ba" --time 100 --quiet --output "$WORK/r2" --set threads=2 --restore "$WORK/ck"
restored half r2 2
"$WORK/s15/ba" --time 100 --quiet --output "$WORK/r21" --set threads=1 --restore "$WORK/ck2"
restored half2 r21 1
ok "checkpoints: auto (1 block with checkpoints on) restored on 3 blocks and on auto (2), 2 forced blocks on 1, bitwise"

# --- 5. bad values --------------------------------------------------------------------------
bad() { # expected message, args...
    local want=$1
    shift
    if "$WORK/s1/ba" --time 1 --quiet --output "$WORK/bad" "$@" 2>"$WORK/bad.err"; then
        fail "$*: accepted"
    fi
    grep -qF -e "$want" "$WORK/bad.err" || fail "$*: $(cat "$WORK/bad.err")"
}
bad "--set 'blocks=3': 'blocks' 3 is more than 'threads' 2" --set threads=2 --set blocks=3
bad "'step_threads' 3 is more than 'blocks' 2 (--set 'blocks=2')" --set threads=3 --set blocks=2 --set step_threads=3
bad "--set 'blocks=0'" --set threads=2 --set blocks=0
bad "--set 'blocks=many'" --set threads=2 --set blocks=many
SNN_BLOCKS=two bad "SNN_BLOCKS='two' in the environment: 'auto', 'threads' or a number" --set threads=2
ok "bad values: errors naming the source"
