#!/usr/bin/env bash
# MPI runs under faults (issue 12), 2 ranks of brunel:
#   - a write that fails on one rank (its spike file on /dev/full; rank 0's, then rank
#     1's): the error with the rank, run.json "failed" (written by the failing rank when
#     it is not rank 0), every rank ended, a non-zero exit status -- no hang (the timeout
#     only guards the test);
#   - a rank killed with SIGKILL: mpirun ends the job; run.json does not stay "running"
#     with a live heartbeat (rank 0 marks it failed when mpirun's SIGTERM reaches it, else
#     its heartbeat goes stale); the ranks' .part files are valid .npy files, and
#     --recover repairs them, merges the ranks' spikes and marks run.json;
#   - the progress line (SNN_PROGRESS=1: mpirun's stderr is a pipe) from rank 0 only.
set -euo pipefail
source tests/lib/mpi.sh
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

"$SNNCC" -q --mpi -D scale=0.2 models/brunel.lua -o "$WORK/bm"
sim="$WORK/bm/brunel"

for r in 0 1; do
    out="$WORK/full$r"
    mkdir -p "$out/.rank$r"
    ln -s /dev/full "$out/.rank$r/spikes_E.npy.part"
    st=0
    timeout -k 5 120 "${MPIRUN[@]}" -np 2 "$sim" --time 1000 --output "$out" --quiet \
        2>"$WORK/full$r.err" || st=$?
    [ "$st" -ne 0 ] && [ "$st" -ne 124 ] && [ "$st" -ne 137 ] ||
        fail "rank $r writing to /dev/full: exit status $st (124/137: it hung)"
    grep -qF "brunel: error: rank $r of 2: cannot write spike file '$out/.rank$r/spikes_E.npy.part': No space left on device" \
        "$WORK/full$r.err" || fail "rank $r: message: $(cat "$WORK/full$r.err")"
    $PY - "$out/run.json" "$r" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "failed" and "No space left on device" in r["error"], r["status"]
if sys.argv[2] != "0":
    assert r["error"].startswith("rank 1 of 2: "), r["error"]
PY
    ok "rank $r cannot write: error, run.json failed, job ended"
done

# the progress line under MPI: asked for (stderr is a pipe under mpirun), rank 0 only
SNN_PROGRESS=1 "${MPIRUN[@]}" -x SNN_PROGRESS -np 2 "$sim" --time 100 --output "$WORK/prog" \
    >/dev/null 2>"$WORK/prog.err"
n=$(tr '\r' '\n' <"$WORK/prog.err" | grep -c "brunel: 100.0 of 100.0 ms (100%), real-time factor" || true)
[ "$n" -eq 1 ] || fail "progress under MPI: $n final lines (want 1, from rank 0): $(cat "$WORK/prog.err")"
ok "progress line from rank 0 only"

export SNN_HEARTBEAT_S=0.2
out="$WORK/kill"
"${MPIRUN[@]}" -np 2 "$sim" --time 1000000 --output "$out" --quiet 2>"$WORK/kill.err" &
mp=$!
for _ in $(seq 1 1200); do
    if [ -f "$out/run.json" ] && $PY -c "import json,sys; sys.exit(0 if json.load(open('$out/run.json'))['run']['steps_done'] > 0 else 1)" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
sleep 1
p0=$($PY -c "import json; print(json.load(open('$out/run.json'))['process']['pid'])")
victim=""
for k in $(pgrep -P $mp); do [ "$k" != "$p0" ] && victim=$k; done
[ -n "$victim" ] || fail "no rank 1 process under mpirun $mp"
kill -KILL "$victim"
st=0
timeout -k 5 60 tail --pid=$mp -f /dev/null || fail "mpirun did not end after a rank was killed"
wait $mp || st=$?
[ "$st" -ne 0 ] || fail "the job exited 0 after a rank was killed"
sleep 1
$PY - "$out" <<'PY'
import json, sys, time
import numpy as np
d = sys.argv[1]
r = json.load(open(f"{d}/run.json"))
pr = r["process"]
stale = time.time() - pr["updated_unix"] > 3 * pr["heartbeat_s"]
assert r["status"] == "failed" or (r["status"] == "running" and stale), (r["status"], pr)
print("run.json after a rank was killed:", r["status"], r.get("error", ""))
for rank in (0, 1):
    s = np.load(f"{d}/.rank{rank}/spikes_E.npy.part")
    assert len(s) > 0, rank
PY
"$WORK/bm/brunel" --recover "$out" >"$WORK/recover.out"
grep -qF "$out/spikes_E.npy.part: the spikes of 2 ranks merged" "$WORK/recover.out" ||
    fail "recover: $(cat "$WORK/recover.out")"
$PY - "$out" <<'PY'
import json, sys
import numpy as np
d = sys.argv[1]
r = json.load(open(f"{d}/run.json"))
assert r["status"] == "failed" and r["recovered"] is True
for pop in ("E", "I"):
    parts = [np.load(f"{d}/.rank{k}/spikes_{pop}.npy.part") for k in (0, 1)]
    m = np.load(f"{d}/spikes_{pop}.npy.part")
    assert len(m) == sum(len(p) for p in parts)
    assert np.all(np.diff(m["t"]) >= 0)
    assert sorted(zip(m["t"], m["i"])) == sorted(zip(np.concatenate([p["t"] for p in parts]), np.concatenate([p["i"] for p in parts])))
PY
ok "a rank killed: run.json tells, --recover merges the ranks' parts"
