#!/usr/bin/env bash
# A generated simulator under faults and odd requests (issue 12), one process:
#   - a duration that is not a whole number of steps: rounded with a warning; one that
#     rounds to no step: refused (tests/errors/run_time_below_step.lua); an empty config
#     file: a warning naming it;
#   - SIGTERM: exit status 143 (SIGINT's 130 is in cli.sh), run.json "interrupted" with
#     the signal;
#   - SIGKILL: the .part spike files are valid .npy files up to the last heartbeat, and
#     run.json's heartbeat ("process.updated_unix") goes stale, which is how a reader
#     tells a dead run; --recover repairs the files and marks run.json;
#   - a write that fails (the spike file on /dev/full): the error, run.json "failed",
#     exit status 1 -- no hang (the timeout only guards the test);
#   - the memory check: three projections that fit one by one but not together (the
#     SNN_MEMORY knob stands for a small machine) are refused before the third is
#     allocated, with the projections and the sizes;
#   - the progress line: on stderr when it is a terminal (a pty), not when it is a file,
#     not with --quiet; SNN_PROGRESS=1 / 0 force it on / off.
set -euo pipefail
fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok   $*"; }
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# --- duration and empty config -----------------------------------------------------------
cat >"$WORK/tiny.lua" <<'LUA'
network { name = "tiny", dt = 1.0 }
population { "A", lif, 4 }
LUA
"$SNNCC" -q "$WORK/tiny.lua" -o "$WORK/tiny"
tiny="$WORK/tiny/tiny"
"$tiny" --time 10.4 --quiet --output "$WORK/t1" 2>"$WORK/t1.err"
grep -qF "tiny: warning: duration 10.4 ms is not a whole number of time steps (dt = 1 ms): simulating 10 steps = 10 ms" "$WORK/t1.err" ||
    fail "no rounding warning: $(cat "$WORK/t1.err")"
"$tiny" --time 10 --quiet --output "$WORK/t2" 2>"$WORK/t2.err"
[ ! -s "$WORK/t2.err" ] || fail "warning for a whole number of steps: $(cat "$WORK/t2.err")"
st=0
"$tiny" --time 0.3 --quiet --output "$WORK/t3" 2>"$WORK/t3.err" || st=$?
[ "$st" -eq 1 ] || fail "--time 0.3 with dt 1 ms: exit $st"
grep -qF "duration 0.3 ms is shorter than half a time step (dt = 1 ms)" "$WORK/t3.err" || fail "0.3 ms"
: >"$WORK/empty.yaml"
printf '# only a comment\n' >"$WORK/comment.yaml"
for c in empty comment; do
    "$tiny" --config "$WORK/$c.yaml" --time 5 --quiet --output "$WORK/t_$c" 2>"$WORK/$c.err"
    grep -qF "tiny: warning: $WORK/$c.yaml: the run config is empty (no keys): the defaults apply" \
        "$WORK/$c.err" || fail "no warning for $c.yaml: $(cat "$WORK/$c.err")"
done
$PY - "$WORK/t1/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["run"]["steps"] == 10 and r["run"]["steps_done"] == 10, r["run"]
assert r["status"] == "complete"
PY
ok "duration rounded with a warning, 0 steps refused, empty configs named"

# --- signals -------------------------------------------------------------------------------
"$SNNCC" -q -D scale=0.2 models/brunel.lua -o "$WORK/b"
sim="$WORK/b/brunel"
wait_steps() { # DIR: until run.json shows steps done (the heartbeat rewrites it)
    for _ in $(seq 1 1200); do
        if [ -f "$1/run.json" ] && $PY -c "import json,sys; sys.exit(0 if json.load(open('$1/run.json'))['run']['steps_done'] > 0 else 1)" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    fail "no progress in $1/run.json"
}
export SNN_HEARTBEAT_S=0.2
"$sim" --time 1000000 --quiet --output "$WORK/term" &
pid=$!
wait_steps "$WORK/term"
kill -TERM $pid
st=0
wait $pid || st=$?
[ "$st" -eq 143 ] || fail "SIGTERM: exit status $st, expected 143"
$PY - "$WORK/term/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "interrupted" and r["process"]["signal"] == "SIGTERM", r["process"]
PY
ok "SIGTERM: exit status 143, run.json interrupted by SIGTERM"

"$sim" --time 1000000 --quiet --output "$WORK/kill" &
pid=$!
wait_steps "$WORK/kill"
sleep 1
kill -KILL $pid
wait $pid || true
sleep 1
$PY - "$WORK/kill" <<'PY'
import json, os, sys, time
import numpy as np
d = sys.argv[1]
r = json.load(open(f"{d}/run.json"))
assert r["status"] == "running"
pr = r["process"]
# the reader's rule (docs/run.md): running, and no heartbeat for 3 periods: dead
assert time.time() - pr["updated_unix"] > 3 * pr["heartbeat_s"], pr
for pop in ("E", "I"):
    f = f"{d}/spikes_{pop}.npy.part"
    s = np.load(f)
    size = os.path.getsize(f)
    assert len(s) > 0, f"{f}: the header says 0 records"
    assert len(s) <= (size - 128) // 12, f
    assert np.all(np.diff(s["t"]) >= 0)
print("after SIGKILL: valid .part files, stale heartbeat")
PY
"$sim" --recover "$WORK/kill" >"$WORK/recover.out"
grep -qF "$WORK/kill/spikes_E.npy.part: " "$WORK/recover.out" || fail "recover: $(cat "$WORK/recover.out")"
$PY - "$WORK/kill" <<'PY'
import json, os, sys
import numpy as np
d = sys.argv[1]
r = json.load(open(f"{d}/run.json"))
assert r["status"] == "failed" and r["recovered"] is True, r["status"]
for pop in ("E", "I"):
    f = f"{d}/spikes_{pop}.npy.part"
    assert len(np.load(f)) == (os.path.getsize(f) - 128) // 12
    assert (os.path.getsize(f) - 128) % 12 == 0
PY
ok "SIGKILL: valid .part headers, stale heartbeat, --recover"
unset SNN_HEARTBEAT_S

# --- a failed write ends the run ---------------------------------------------------------
mkdir -p "$WORK/full"
ln -s /dev/full "$WORK/full/spikes_E.npy.part"
st=0
timeout -k 5 60 "$sim" --time 1000 --output "$WORK/full" --quiet 2>"$WORK/full.err" || st=$?
[ "$st" -eq 1 ] || fail "write to /dev/full: exit status $st (124/137: it hung)"
grep -qF "brunel: error: cannot write spike file '$WORK/full/spikes_E.npy.part': No space left on device" \
    "$WORK/full.err" || fail "message: $(cat "$WORK/full.err")"
$PY - "$WORK/full/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "failed" and "No space left on device" in r["error"], r["status"]
PY
ok "a failed write: error, run.json failed, exit 1"

# --- memory: the sum of the projections ----------------------------------------------------
cat >"$WORK/three.lua" <<'LUA'
network { name = "three", dt = 0.1 }
local A = population { "A", lif, 2000 }
local B = population { "B", lif, 2000 }
projection { A, B, name = "P1", conn = all_to_all(), weight = 0.01 }
projection { A, B, name = "P2", conn = all_to_all(), weight = 0.01 }
projection { A, B, name = "P3", conn = all_to_all(), weight = 0.01 }
LUA
"$SNNCC" -q "$WORK/three.lua" -o "$WORK/three"
"$WORK/three/three" --time 1 --quiet --output "$WORK/three_ok"
st=0
SNN_MEMORY=20e6 "$WORK/three/three" --time 1 --quiet --output "$WORK/three_small" \
    2>"$WORK/three.err" || st=$?
[ "$st" -eq 1 ] || fail "three projections of 8 MB with SNN_MEMORY=20e6: exit $st"
grep -qE "three: error: cannot build projection 'P[123]': its 4000000 synapses need 8\.0 MB, which with the 1[0-9]\.[0-9] MB the simulator holds already \(projections built so far: 'P[123]' 8\.0 MB, 'P[123]' 8\.0 MB\) is more than 20\.0 MB, SNN_MEMORY" \
    "$WORK/three.err" || fail "memory message: $(cat "$WORK/three.err")"
st=0
SNN_MEMORY=lots "$WORK/three/three" --time 1 --quiet --output "$WORK/three_bad" \
    2>"$WORK/three_bad.err" || st=$?
[ "$st" -eq 1 ] && grep -qF "SNN_MEMORY='lots': expected a number of bytes" "$WORK/three_bad.err" ||
    fail "SNN_MEMORY=lots"
ok "memory: the sum of the projections checked before allocating"

# --- progress line ---------------------------------------------------------------------------
$PY - "$sim" "$WORK" <<'PY'
import os, pty, subprocess, sys
sim, w = sys.argv[1], sys.argv[2]
def on_pty(args):
    m, s = pty.openpty()
    p = subprocess.Popen([sim] + args, stdout=subprocess.DEVNULL, stderr=s)
    os.close(s)
    out = b""
    while True:
        try:
            d = os.read(m, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
    p.wait()
    os.close(m)
    assert p.returncode == 0, p.returncode
    return out.decode()
tty = on_pty(["--time", "200", "--output", f"{w}/p1"])
assert "brunel: 200.0 of 200.0 ms (100%), real-time factor " in tty and "wall time" in tty, repr(tty)
quiet = on_pty(["--time", "200", "--output", f"{w}/p2", "--quiet"])
assert quiet == "", repr(quiet)
with open(f"{w}/p3.err", "w") as f:
    subprocess.run([sim, "--time", "200", "--output", f"{w}/p3"], stdout=subprocess.DEVNULL,
                   stderr=f, check=True)
err = open(f"{w}/p3.err").read()
assert "real-time factor" not in err and "\r" not in err, repr(err)
env = dict(os.environ, SNN_PROGRESS="1")
with open(f"{w}/p4.err", "w") as f:
    subprocess.run([sim, "--time", "200", "--output", f"{w}/p4"], stdout=subprocess.DEVNULL,
                   stderr=f, check=True, env=env)
assert "brunel: 200.0 of 200.0 ms (100%)" in open(f"{w}/p4.err").read()
os.environ["SNN_PROGRESS"] = "0"
off = on_pty(["--time", "200", "--output", f"{w}/p5"])
assert off == "", repr(off)
print("progress on a terminal only, silenced by --quiet")
PY
ok "progress line"
