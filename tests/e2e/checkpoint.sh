#!/usr/bin/env bash
# Checkpoint and restart (issue 16; docs/run.md "Checkpoints"), C back end, on a model with
# STDP, per-synapse delays (a dendritic ring), a poisson population, noise and
# poisson_input current sources, an alpha synapse and state recording:
#   - a run of 2T steps against a run of T steps that checkpoints at its end, then
#     --restore to 2T: the spike and state recordings concatenated, the spike counts and the
#     plastic projection's final_checksum are bitwise the same; on 1 and 2 threads and on
#     2 MPI ranks (whose outputs also equal the one-process run's); a checkpoint of 2
#     threads restored on 1, one of 1 on 3;
#   - checkpoint.every_steps: the checkpoint of the last multiple before the end;
#   - SIGTERM mid-run writes a checkpoint at the step boundary and stops with 143, SIGUSR1
#     writes one and goes on: restored, both give the uninterrupted run's spikes (restored
#     from the directory the restored run checkpoints into); every_seconds;
#   - the layout (format 2): one file per rank, rank<r>/state.bin, its pieces one after
#     another as the manifest's index says (offset, bytes, CRC-32 of each, equal to zlib's);
#     a format-1 checkpoint (a file per piece) made from it restores bitwise;
#   - bad input, nothing run (no output directory): a checkpoint of another model, of
#     another snncc version, of an unknown format version, a truncated file, a corrupt
#     piece (named with its file and bytes; format 1: the file), a missing file, a piece
#     that the index places beyond its file's end, a step at or past the end (another
#     number of ranks restores: checkpoint_ranks.sh);
#   - a disk that fills while writing (SNN_CKPT_LIMIT_BYTES): the warning, the run goes on
#     and the previous checkpoint stays valid; checkpoint options without 'dir';
#   - kill -9 while a checkpoint is written (SNN_CKPT_PAUSE_S): the previous one stays and
#     restores, the next run removes the temporary directory;
#   - hpc_benchmark -D plastic=1 at scale 0.02 (power-law STDP, fixed in-degrees with
#     multapses, alpha synapses): restored on 2 threads and on 2 MPI ranks, and a checkpoint
#     of 2 ranks on 3, bitwise.
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/ckpt_signal.sh # await_step
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export SNN_HEARTBEAT_S=0.2

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
sim="$WORK/b/ck"

# concat FULL FIRST SECOND [T]: FIRST's recordings (or .part files) followed by SECOND's equal
# FULL's bitwise; the synapse recording's end snapshot of FIRST (at the checkpoint) is left
# out; spike counts and final_checksum of SECOND's run.json equal FULL's.  Without FIRST
# ("-"): SECOND equals FULL's records after step T.
concat() {
    $PY - "$@" <<'PY'
import json, os, sys
import numpy as np
full, first, second = sys.argv[1:4]
T = int(sys.argv[4]) if len(sys.argv) > 4 else None
def load(d, f):
    p = f"{d}/{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
for f in ["spikes_E.npy", "spikes_I.npy", "spikes_S.npy", "E_V.npy", "SE_w.npy"]:
    x = load(full, f)
    y = load(second, f)
    if first != "-":
        a = load(first, f)
        if f == "SE_w.npy":  # the end snapshot of the first part (at the checkpoint)
            a = a[a["t"] != a["t"][-1]]
        y = np.concatenate([a, y])
    else:
        x = x[x["t"] > T * 0.1 + 1e-9]
    assert len(x) == len(y) and x.tobytes() == y.tobytes(), f"{f}: {len(x)} vs {len(y)} records differ"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
if first != "-":
    assert [p["spikes"] for p in r1["populations"]] == [p["spikes"] for p in r2["populations"]]
    assert r1["projections"][0]["final_checksum"] == r2["projections"][0]["final_checksum"]
assert r2["status"] == "complete" and r2["run"]["restored_from"]["step"] > 0, r2["run"]
PY
}

# --- T steps + restore to 2T = 2T steps ----------------------------------------------------
"$sim" --time 200 --quiet --output "$WORK/full"
for t in 1 2; do
    "$sim" --time 200 --quiet --output "$WORK/full_t$t" --set threads=$t
    "$sim" --time 100 --quiet --output "$WORK/a_t$t" --set threads=$t \
        --set checkpoint.dir="$WORK/ck_t$t" --set checkpoint.at_end=true
    [ -f "$WORK/ck_t$t/manifest.json" ] || fail "threads=$t: no manifest"
    "$sim" --time 200 --quiet --output "$WORK/b_t$t" --set threads=$t --restore "$WORK/ck_t$t"
    concat "$WORK/full_t$t" "$WORK/a_t$t" "$WORK/b_t$t" || fail "threads=$t: restored run differs"
    cmp "$WORK/full/spikes_E.npy" "$WORK/full_t$t/spikes_E.npy" || fail "threads=$t: spikes"
done
# another number of threads: the synapses are stored in an order that does not depend on it
"$sim" --time 200 --quiet --output "$WORK/b_t2to1" --restore "$WORK/ck_t2"
concat "$WORK/full" "$WORK/a_t2" "$WORK/b_t2to1" || fail "threads 2 -> 1: restored run differs"
"$sim" --time 200 --quiet --output "$WORK/b_t1to3" --restore "$WORK/ck_t1" --set threads=3
concat "$WORK/full" "$WORK/a_t1" "$WORK/b_t1to3" || fail "threads 1 -> 3: restored run differs"
$PY - "$WORK/ck_t1/manifest.json" "$WORK/b_t1/run.json" "$WORK/ck_t1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
import os, zlib
assert m["format"] == "snncc-checkpoint" and m["format_version"] == 2
assert m["step"] == 1000 and m["seed"] == 5 and m["decomposition"] == {"ranks": 1, "threads": 1, "blocks": 1}
assert [f["file"] for f in m["files"]] == ["rank0/state.bin"], m["files"]
assert sorted(os.listdir(sys.argv[3] + "/rank0")) == ["state.bin"]
data = open(sys.argv[3] + "/rank0/state.bin", "rb").read()
assert m["files"][0]["bytes"] == len(data)
names, at = set(), 0
for p in m["pieces"]:  # one after another, each with its CRC-32
    assert p["file"] == "rank0/state.bin" and p["offset"] == at, p
    assert "%08x" % zlib.crc32(data[at:at + p["bytes"]]) == p["crc32"], p
    at += p["bytes"]
    names.add(p["piece"])
assert at == len(data)
for want in ["rank0/E_V", "rank0/snn_dd0_I", "rank0/snn_ax1_E", "rank0/snn_spk_E",
             "rank0/snn_pv_SE_x", "rank0/snn_qv_SE_y", "rank0/snn_syn_SE.weight",
             "rank0/snn_syn_SE.checksum", "rank0/run.spike_count"]:
    assert want in names, (want, sorted(names))
r = json.load(open(sys.argv[2]))
rf = r["run"]["restored_from"]
assert rf["dir"] == sys.argv[3] and rf["step"] == 1000 and rf["load_s"] >= 0, r["run"]
assert r["run"]["steps_done"] == 2000
PY
ok "T steps + checkpoint + restore to 2T = 2T steps, bitwise (1 and 2 threads, 2 -> 1, 1 -> 3)"

"${MPIRUN[@]}" -np 2 "$WORK/bm/ck" --time 200 --quiet --output "$WORK/full_r2"
"${MPIRUN[@]}" -np 2 "$WORK/bm/ck" --time 100 --quiet --output "$WORK/a_r2" \
    --set checkpoint.dir="$WORK/ck_r2" --set checkpoint.at_end=true
[ -d "$WORK/ck_r2/rank1" ] || fail "2 ranks: no rank1 share"
"${MPIRUN[@]}" -np 2 "$WORK/bm/ck" --time 200 --quiet --output "$WORK/b_r2" --restore "$WORK/ck_r2"
concat "$WORK/full_r2" "$WORK/a_r2" "$WORK/b_r2" || fail "2 ranks: restored run differs"
concat "$WORK/full" "$WORK/a_r2" "$WORK/b_r2" || fail "2 ranks: differs from one process"
ok "2 MPI ranks: each writes its share, the restored run equals the uninterrupted one"

# every_steps: the last multiple of 300 steps before the end of a 1000-step run is 900
# (one syncfs of the file system: checkpoint.sync=filesystem; the other runs fsync their
# files, the default)
"$sim" --time 100 --quiet --output "$WORK/ev" --set checkpoint.dir="$WORK/ck_ev" \
    --set checkpoint.every_steps=300 --set checkpoint.sync=filesystem
grep -q '"step": 900,' "$WORK/ck_ev/manifest.json" || fail "every_steps: $(grep step "$WORK/ck_ev/manifest.json")"
ls -d "$WORK"/ck_ev.tmp-* 2>/dev/null && fail "every_steps: a temporary directory left behind"
$PY -c "import json,sys; c=json.load(open('$WORK/ev/run.json'))['run']['checkpoint']; assert c['written']==3 and c['last_step']==900 and c['sync']=='filesystem' and c['last_bytes']==sum(f['bytes'] for f in json.load(open('$WORK/ck_ev/manifest.json'))['files']), c"
"$sim" --time 200 --quiet --output "$WORK/ev_b" --restore "$WORK/ck_ev"
concat "$WORK/full" - "$WORK/ev_b" 900 || fail "every_steps: restored run differs"
ok "checkpoint.every_steps (sync: filesystem): written every 300 steps, the last one (step 900) restores"

# --- signals ---------------------------------------------------------------------------
signal_run() { # SIG: a long run with checkpoints on, SIG once it runs; prints the step
    local sig=$1 d="$WORK/sig_$1"
    "$sim" --time 10000000 --quiet --output "$d" --set checkpoint.dir="$d.ck" &
    local pid=$! st=0
    await_step "$d"
    kill -"$sig" $pid
    if [ "$sig" = USR1 ]; then # goes on: wait for the checkpoint, then stop it
        for _ in $(seq 1 1200); do [ -f "$d.ck/manifest.json" ] && break; sleep 0.1; done
        kill -0 $pid || fail "SIGUSR1 ended the run"
        kill -INT $pid
        wait $pid || st=$?
        [ "$st" -eq 130 ] || fail "SIGUSR1 then SIGINT: exit status $st"
    else
        wait $pid || st=$?
        [ "$st" -eq 143 ] || fail "SIGTERM: exit status $st, not 143"
        $PY -c "import json; r=json.load(open('$d/run.json')); assert r['status']=='interrupted' and r['run']['checkpoint']['last_step']==r['run']['steps_done'], r['run']"
    fi
    grep '"step"' "$d.ck/manifest.json" | tr -dc 0-9
}
for sig in TERM USR1; do
    T=$(signal_run $sig)
    [ -n "$T" ] && [ "$T" -gt 0 ] || fail "SIG$sig: no checkpoint step"
    end=$($PY -c "print(($T + 500) / 10)")
    "$sim" --time "$end" --quiet --output "$WORK/sigfull_$sig"
    # restored from the directory it checkpoints into (as a resubmitted job does)
    "$sim" --time "$end" --quiet --output "$WORK/sigb_$sig" --restore "$WORK/sig_$sig.ck" \
        --set checkpoint.dir="$WORK/sig_$sig.ck" --set checkpoint.at_end=true
    grep -q "\"step\": $((T + 500))," "$WORK/sig_$sig.ck/manifest.json" || fail "SIG$sig: no checkpoint at the end"
    concat "$WORK/sigfull_$sig" - "$WORK/sigb_$sig" "$T" || fail "SIG$sig: restored run differs"
    ok "SIG$sig at step $T: checkpoint, restored run = uninterrupted"
done

# every_seconds: a checkpoint appears while the run goes on
d="$WORK/secs"
"$sim" --time 10000000 --quiet --output "$d" --set checkpoint.dir="$d.ck" \
    --set checkpoint.every_seconds=0.2 &
pid=$!
for _ in $(seq 1 1200); do [ -f "$d.ck/manifest.json" ] && break; sleep 0.1; done
kill -INT $pid
wait $pid || true
T=$(grep '"step"' "$d.ck/manifest.json" | tr -dc 0-9)
[ -n "$T" ] && [ "$T" -gt 0 ] && [ $((T % 100)) -eq 0 ] || fail "every_seconds: step '$T' (checked every 100 steps)"
end=$($PY -c "print(($T + 500) / 10)")
"$sim" --time "$end" --quiet --output "$WORK/secs_b" --restore "$d.ck"
"$sim" --time "$end" --quiet --output "$WORK/secs_full"
concat "$WORK/secs_full" - "$WORK/secs_b" "$T" || fail "every_seconds: restored run differs"
ok "checkpoint.every_seconds: written while the run goes on (step $T), restores"

# --- bad input: a clear message, nothing run --------------------------------------------
ck="$WORK/ck_t1"
bad() { # NAME EXPECTED-MESSAGE CHECKPOINT [ARGS...]: the restore fails with the message
    local name=$1 msg=$2 dir=$3 st=0
    shift 3
    "${BAD_SIM:-$sim}" --time 200 --quiet --output "$WORK/bad_$name" --restore "$dir" "$@" \
        2>"$WORK/bad_$name.err" || st=$?
    [ "$st" -eq 1 ] || fail "$name: exit status $st"
    grep -qF -- "$msg" "$WORK/bad_$name.err" || fail "$name: got: $(cat "$WORK/bad_$name.err")"
    [ ! -e "$WORK/bad_$name" ] || fail "$name: the run started (output directory made)"
}
copy() { rm -rf "$WORK/$1"; cp -r "$ck" "$WORK/$1"; }
sed 's/w_max = 100.0/w_max = 99.0/' "$WORK/ck.lua" >"$WORK/ck2.lua"
"$SNNCC" -q "$WORK/ck2.lua" -o "$WORK/b2"
h1=$(grep -o '"model_hash": "[0-9a-f]*"' "$ck/manifest.json" | cut -d'"' -f4)
h2=$("$WORK/b2/ck" --version | sed 's/.*model \([0-9a-f]*\),.*/\1/')
BAD_SIM="$WORK/b2/ck" bad hash "ck: error: --restore: '$ck/manifest.json' is a checkpoint of another model: model 'ck' with hash $h1, this simulator's model 'ck' has hash $h2" "$ck"
copy ver
sed -i 's/"snncc_version": "[^"]*"/"snncc_version": "0.0.9"/' "$WORK/ver/manifest.json"
v=$("$sim" --version | sed 's/.*snncc \([^,]*\),.*/\1/')
bad version "ck: error: --restore: '$WORK/ver/manifest.json' was written by snncc 0.0.9, this simulator was made by snncc $v" "$WORK/ver"
copy fmt
sed -i 's/"format_version": 2,/"format_version": 3,/' "$WORK/fmt/manifest.json"
bad format "ck: error: --restore: '$WORK/fmt/manifest.json': checkpoint format version 3, this simulator reads versions 1 and 2" "$WORK/fmt"
# where piece P is in rank0/state.bin: "OFFSET BYTES CRC"
piece() { $PY -c "import json,sys; p=[p for p in json.load(open(sys.argv[1]))['pieces'] if p['piece']==sys.argv[2]][0]; print(p['offset'], p['bytes'], p['crc32'])" "$ck/manifest.json" "$1"; }
size=$(stat -c %s "$ck/rank0/state.bin")
copy trunc
truncate -s $((size - 100)) "$WORK/trunc/rank0/state.bin"
bad truncated "ck: error: --restore: checkpoint file '$WORK/trunc/rank0/state.bin' has $((size - 100)) bytes, the manifest says $size (truncated)" "$WORK/trunc"
copy corrupt
read -r off len crc <<<"$(piece rank0/snn_syn_SE.weight)"
printf '\x01' | dd of="$WORK/corrupt/rank0/state.bin" bs=1 seek=$((off + 17)) conv=notrunc 2>/dev/null
bad corrupt "ck: error: --restore: checkpoint file '$WORK/corrupt/rank0/state.bin', piece 'rank0/snn_syn_SE.weight' (bytes $off..$((off + len))), is corrupt: its CRC-32 is " "$WORK/corrupt"
grep -qF ", the manifest says $crc" "$WORK/bad_corrupt.err" || fail "corrupt: $(cat "$WORK/bad_corrupt.err")"
copy missing
rm "$WORK/missing/rank0/state.bin"
bad missing "ck: error: --restore: checkpoint file '$WORK/missing/rank0/state.bin' is missing (the manifest lists it)" "$WORK/missing"
copy beyond
read -r off len crc <<<"$(piece rank0/E_V)"
sed -i "s|\"piece\": \"rank0/E_V\", \"file\": \"rank0/state.bin\", \"offset\": $off,|\"piece\": \"rank0/E_V\", \"file\": \"rank0/state.bin\", \"offset\": $((size - 8)),|" "$WORK/beyond/manifest.json"
bad beyond "ck: error: --restore: '$WORK/beyond/manifest.json': piece 'rank0/E_V' (bytes $((size - 8))..$((size - 8 + len))) lies beyond the end of file 'rank0/state.bin' ($size bytes)" "$WORK/beyond"
# format 1 (a file per piece, rank<r>/<piece>.bin): still read; its corrupt file named
v1() { # SRC DST: DST is SRC in format 1
    $PY - "$1" "$2" <<'PY'
import json, os, sys
src, dst = sys.argv[1:3]
m = json.load(open(src + "/manifest.json"))
data = {f["file"]: open(src + "/" + f["file"], "rb").read() for f in m["files"]}
os.makedirs(dst + "/rank0")
files = []
for p in m["pieces"]:
    open(dst + "/" + p["piece"] + ".bin", "wb").write(data[p["file"]][p["offset"]:p["offset"] + p["bytes"]])
    files.append('    { "file": "%s.bin", "bytes": %d, "crc32": "%s" }' % (p["piece"], p["bytes"], p["crc32"]))
text = open(src + "/manifest.json").read()
head = text[:text.index('  "files": [')].replace('"format_version": 2,', '"format_version": 1,')
open(dst + "/manifest.json", "w").write(head + '  "files": [\n' + ",\n".join(files) + "\n  ]\n}\n")
PY
}
rm -rf "$WORK/v1"
v1 "$ck" "$WORK/v1"
grep -q '"format_version": 1,' "$WORK/v1/manifest.json" && [ -f "$WORK/v1/rank0/E_V.bin" ] || fail "format 1: not made"
"$sim" --time 200 --quiet --output "$WORK/b_v1" --restore "$WORK/v1"
concat "$WORK/full" "$WORK/a_t1" "$WORK/b_v1" || fail "format 1: restored run differs"
ck="$WORK/v1" copy v1bad
printf '\x01' | dd of="$WORK/v1bad/rank0/snn_syn_SE.weight.bin" bs=1 seek=17 conv=notrunc 2>/dev/null
bad v1corrupt "ck: error: --restore: checkpoint file '$WORK/v1bad/rank0/snn_syn_SE.weight.bin' is corrupt: its CRC-32 is " "$WORK/v1bad"
bad nodir "ck: error: --restore: cannot read '$WORK/nowhere/manifest.json': No such file or directory (not a checkpoint directory?)" "$WORK/nowhere"
bad end "ck: error: --restore: the checkpoint '$ck' is at step 1000 (100 ms), which is not before the end of this run (1000 steps = 100 ms): raise the duration" "$ck" --time 100
ok "format 1 still restores; bad checkpoints refused with the file, the piece and what differs, nothing run"

# --- a full disk while writing: the run goes on, the previous checkpoint stays ----------
cp -r "$ck" "$WORK/ck_disk"
SNN_CKPT_LIMIT_BYTES=2000 "$sim" --time 150 --quiet --output "$WORK/disk" \
    --set checkpoint.dir="$WORK/ck_disk" --set checkpoint.every_steps=500 2>"$WORK/disk.err"
grep -qF "ck: warning: checkpoint after step 500 not written: cannot write '$WORK/ck_disk.tmp-500/rank0/" "$WORK/disk.err" ||
    fail "disk full: $(cat "$WORK/disk.err")"
grep -qF "No space left on device; the run goes on and the previous checkpoint in '$WORK/ck_disk' (if any) stays" "$WORK/disk.err" ||
    fail "disk full: $(cat "$WORK/disk.err")"
$PY -c "import json; r=json.load(open('$WORK/disk/run.json')); assert r['status']=='complete' and r['run']['steps_done']==1500 and r['run']['checkpoint']['written']==0, r['run']"
ls -d "$WORK"/ck_disk.tmp-* 2>/dev/null && fail "disk full: a temporary directory left behind"
diff -r "$ck" "$WORK/ck_disk" || fail "disk full: the previous checkpoint changed"
"$sim" --time 200 --quiet --output "$WORK/disk_b" --restore "$WORK/ck_disk"
concat "$WORK/full" "$WORK/a_t1" "$WORK/disk_b" || fail "disk full: the previous checkpoint does not restore"
st=0
"$sim" --time 10 --quiet --output "$WORK/nodir" --set checkpoint.every_steps=5 2>"$WORK/nodir.err" || st=$?
[ "$st" -eq 1 ] && grep -qF "ck: error: --set 'checkpoint.every_steps=5': 'checkpoint' needs 'dir' (where to write them)" "$WORK/nodir.err" ||
    fail "checkpoint without dir: $st $(cat "$WORK/nodir.err")"
ok "a full disk: the warning, the run goes on, the previous checkpoint stays and restores"

# --- kill -9 while a checkpoint is written: the previous one stays --------------------------
cp -r "$ck" "$WORK/ck_kill"
SNN_CKPT_PAUSE_S=30 "$sim" --time 150 --quiet --output "$WORK/kill" \
    --set checkpoint.dir="$WORK/ck_kill" --set checkpoint.every_steps=500 &
pid=$!
for _ in $(seq 1 1200); do [ -f "$WORK/ck_kill.tmp-500/rank0/index.tsv" ] && break; sleep 0.1; done
[ -s "$WORK/ck_kill.tmp-500/rank0/state.bin" ] || fail "kill -9: the checkpoint was not being written"
kill -KILL $pid
wait $pid || true
diff -r "$ck" "$WORK/ck_kill" || fail "kill -9: the previous checkpoint changed"
"$sim" --time 200 --quiet --output "$WORK/kill_b" --restore "$WORK/ck_kill"
concat "$WORK/full" "$WORK/a_t1" "$WORK/kill_b" || fail "kill -9: the previous checkpoint does not restore"
"$sim" --time 100 --quiet --output "$WORK/kill_c" --set checkpoint.dir="$WORK/ck_kill" \
    --set checkpoint.at_end=true
ls -d "$WORK"/ck_kill.tmp-* 2>/dev/null && fail "kill -9: the next run left the killed one's temporary directory"
grep -q '"step": 1000,' "$WORK/ck_kill/manifest.json" || fail "kill -9: the next checkpoint"
$PY -c "import json; c=json.load(open('$WORK/kill_c/run.json'))['run']['checkpoint']; assert c['sync']=='files', c"
ok "kill -9 while writing: the previous checkpoint stays and restores; the next run cleans up"

# --- hpc_benchmark with power-law STDP (fixed in-degrees with multapses, alpha synapses) -----
"$SNNCC" -q -D scale=0.02 -D plastic=1 models/hpc_benchmark.lua -o "$WORK/h"
"$SNNCC" -q --mpi -D scale=0.02 -D plastic=1 models/hpc_benchmark.lua -o "$WORK/hm"
hpc="$WORK/h/hpc_benchmark"
"$hpc" --time 40 --quiet --output "$WORK/h_full"
"$hpc" --time 20 --quiet --output "$WORK/h_a" --set checkpoint.dir="$WORK/h_ck" --set checkpoint.at_end=true
"$hpc" --time 40 --quiet --output "$WORK/h_b" --restore "$WORK/h_ck" --set threads=2
"${MPIRUN[@]}" -np 2 "$WORK/hm/hpc_benchmark" --time 20 --quiet --output "$WORK/h_ar" \
    --set checkpoint.dir="$WORK/h_ckr" --set checkpoint.at_end=true
"${MPIRUN[@]}" -np 2 "$WORK/hm/hpc_benchmark" --time 40 --quiet --output "$WORK/h_br" --restore "$WORK/h_ckr"
# re-partitioned (multapses: the synapses of a (source, target) pair keep their order)
"${MPIRUN[@]}" -np 3 "$WORK/hm/hpc_benchmark" --time 40 --quiet --output "$WORK/h_br3" --restore "$WORK/h_ckr"
$PY - "$WORK" <<'PY'
import json, sys
import numpy as np
w = sys.argv[1]
full = json.load(open(f"{w}/h_full/run.json"))
assert full["projections"][0]["final_checksum"] != full["projections"][0]["checksum"], "no plasticity"
for a, b in [("h_a", "h_b"), ("h_ar", "h_br"), ("h_ar", "h_br3")]:
    r = json.load(open(f"{w}/{b}/run.json"))
    assert [p.get("final_checksum") for p in r["projections"]] == [p.get("final_checksum") for p in full["projections"]], b
    assert [p["spikes"] for p in r["populations"]] == [p["spikes"] for p in full["populations"]], b
    for f in ["spikes_E.npy", "spikes_I.npy"]:
        x = np.load(f"{w}/h_full/{f}")
        y = np.concatenate([np.load(f"{w}/{a}/{f}"), np.load(f"{w}/{b}/{f}")])
        assert x.tobytes() == y.tobytes(), (b, f)
print("spikes", [p["spikes"] for p in full["populations"]])
PY
ok "hpc_benchmark plastic: restored on 2 threads, on 2 ranks and from 2 ranks on 3 = uninterrupted"
