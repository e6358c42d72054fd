#!/usr/bin/env bash
# snnbench end to end: a tiny suite (lif_single, brunel at scale 0.05; 2 repetitions of
# 200 ms; cuda cells skipped without a GPU or a cuda back end; a 2-rank cell that runs
# under mpirun when snncc builds MPI simulators, else is skipped with the reason; a fake
# peer, a failing one and one that times out), records checked against the schema, the store queried back with ls
# filters and CSV, compare's exit status on synthetic stores, slurm scripts and import.
# Asserts no timing.
set -euo pipefail
# Under `make asan`, Open MPI's exit-time allocations in the 2-rank cell would count as
# leaks of the simulator (they are checked in the single-process tests).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
SB="$PWD/$BUILD/bin/snnbench"
ROOT=$PWD
cd "$WORK"

"$SB" --help | grep -q "compare"
"$SB" --version | grep -q "^snnbench "

# a broken suite: file and line, did-you-mean
printf 'suite: t\nrepetitons: 2\nmodels:\n  - file: %s/models/brunel.lua\n' "$ROOT" >bad.yaml
if "$SB" run bad.yaml 2>err; then exit 1; fi
grep -qx "snnbench: error: bad.yaml:2: unknown key 'repetitons' (did you mean 'repetitions'?)" err

# peers: stand-ins for bench/peers/*_brian2.py
cat >peer_ok.py <<'PY'
import sys
print(f"brian2 {float(sys.argv[1]):.0f} ms: construction 0.250 s, simulation 0.500 s")
print("brian2 rates: E 4.10 Hz CV 0.900, I 5.20 Hz CV 0.800")
PY
printf 'import sys\nprint("boom: no brian here", file=sys.stderr)\nsys.exit(3)\n' >peer_fail.py
printf 'import time\ntime.sleep(30)\n' >peer_slow.py

cat >tiny.yaml <<YAML
suite: tiny
time_ms: 200
repetitions: 2
timeout_s: 120
backends: [c, cuda]
ranks: [1, 2]
models:
  - file: $ROOT/models/lif_single.lua
    ranks: 1
  - name: brunel
    file: $ROOT/models/brunel.lua
    params: {scale: 0.05}
  - name: fakepeer
    file: $ROOT/models/coba.lua
    peer: brian2
    script: peer_ok.py
    ranks: 1
  - name: failpeer
    file: $ROOT/models/coba.lua
    peer: brian2
    script: peer_fail.py
    ranks: 1
    repetitions: 1
  - name: slowpeer
    file: $ROOT/models/coba.lua
    peer: brian2
    script: peer_slow.py
    ranks: 1
    repetitions: 1
    timeout_s: 1
YAML
"$SB" run tiny.yaml --dry-run >cells
test "$(wc -l <cells)" -eq 9
set +e
SNNBENCH_COMMIT=c0ffee000001 "$SB" run tiny.yaml --store store 2>progress
rc=$?
set -e
cat progress
test "$rc" -eq 1 # the failing and the slow peer
grep -q '^\[1/9\] lif_single-c-r1-t1: 2 ok, 0 failed' progress
# the 2-rank cell runs where snncc has --mpi and mpirun works, else says why not
MPI_RAN=0
if grep -q 'brunel-scale=0.05-c-r2-t1: 2 ok, 0 failed' progress; then
    MPI_RAN=1
else
    grep -Eq 'brunel-scale=0.05-c-r2-t1: skipped: (snncc has no --mpi option|mpirun is not available)' progress
fi
grep -q 'failpeer-brian2-r1-t1 rep 1: failed: peer failed (exit 3): boom: no brian here' progress
grep -q 'slowpeer-brian2-r1-t1 rep 1: timeout: timed out after 1 s' progress

# every record valid against the schema; the values where they belong
$PY - store $MPI_RAN <<'PY'
import json, glob, os, sys
files = sorted(glob.glob(f"{sys.argv[1]}/*/*/*.json"))
mpi_ran = sys.argv[2] == "1"
assert len(files) == 2 + 1 + 2 + 3 + 2 + 1 + 1 + mpi_ran, len(files)
req = {"schema": int, "kind": str, "status": str, "suite": str, "cell": dict, "rep": int,
       "timers": dict, "sanity": dict, "memory": dict, "meta": dict}
meta = ["machine", "hostname", "os", "cpu", "cores", "gpu", "snncc_version", "commit", "cc",
        "nvcc", "mpi", "mpi_impl", "mpi_version", "date"]
by = {}
for f in files:
    r = json.load(open(f))
    for k, t in req.items():
        assert isinstance(r[k], t), (f, k)
    assert r["schema"] == 1 and r["kind"] == "snnbench-record"
    for k in meta:
        assert k in r["meta"], (f, k)
    assert r["meta"]["commit"] == "c0ffee000001"
    assert r["meta"]["date"].endswith("Z") and "T" in r["meta"]["date"]
    c = r["cell"]
    for k in ("id", "model", "file", "params", "backend", "ranks", "threads", "mpi", "exchange", "time_ms"):
        assert k in c, (f, k)
    # DIR/<machine>/<commit>/<suite>-<cell>-<rep>-<timestamp>.json
    parts = f.split(os.sep)
    assert parts[-3] == r["meta"]["machine"] and parts[-2] == "c0ffee000001"
    assert parts[-1].startswith(f"tiny-{c['id']}-{r['rep']}-"), f
    if r["status"] != "ok":
        assert r["reason"], f
    by.setdefault((c["id"], r["status"]), []).append(r)
ok = by[("brunel-scale=0.05-c-r1-t1", "ok")]
assert len(ok) == 2
r = ok[0]
for k in ("codegen_s", "compile_s", "construction_s", "init_s", "simulation_s", "real_time_factor"):
    assert r["timers"][k] >= 0, k
assert r["sanity"]["spikes"] > 0 and r["sanity"]["rate_hz"] > 0
assert r["sanity"]["neurons"] == 625
assert [p["name"] for p in r["sanity"]["populations"]] == ["E", "I"]
assert r["memory"]["peak_rss_bytes"] > 0
assert len(r["meta"]["model_hash"]) == 16
assert r["cell"]["params"] == {"scale": 0.05}
assert "-O3" in r["meta"]["compile_command"]
assert r["build"]["compile_s"] > 0
lif = by[("lif_single-c-r1-t1", "ok")][0]
assert lif["sanity"]["spikes"] > 0
assert by[("brunel-scale=0.05-cuda-r1-t1", "skipped")][0]["reason"].startswith("skipped: ")
assert r["meta"]["launch_command"].endswith("--quiet --set threads=1"), r["meta"]["launch_command"]
assert r["cell"]["mpi"] is False and r["cell"]["exchange"] is None
if mpi_ran:
    m = by[("brunel-scale=0.05-c-r2-t1", "ok")]
    assert len(m) == 2
    assert m[0]["meta"]["launch_command"].startswith("mpirun -np 2 "), m[0]["meta"]["launch_command"]
    assert m[0]["parallel"]["ranks"] == 2 and m[0]["cell"]["mpi"] is True
    assert m[0]["rank_timers"]["simulation_s"]["max"] >= m[0]["rank_timers"]["simulation_s"]["median"]
    assert m[0]["imbalance"]["simulation_s"] >= 1
    assert m[0]["sanity"]["neurons"] == 625
else:
    why = by[("brunel-scale=0.05-c-r2-t1", "skipped")][0]["reason"]
    assert why.startswith("skipped: snncc has no --mpi option") or why.startswith("skipped: mpirun is not available"), why
p = by[("fakepeer-brian2-r1-t1", "ok")]
assert len(p) == 2 and p[0]["timers"]["simulation_s"] == 0.5 and p[0]["timers"]["construction_s"] == 0.25
assert p[0]["timers"]["real_time_factor"] == 2.5
assert [q["rate_hz"] for q in p[0]["sanity"]["populations"]] == [4.1, 5.2]
assert "boom" in by[("failpeer-brian2-r1-t1", "failed")][0]["reason"]
assert by[("slowpeer-brian2-r1-t1", "timeout")][0]["reason"] == "timed out after 1 s"
print("records ok")
PY

# ls: filters on metadata (bare and dotted keys), CSV
"$SB" ls --store store >ls.txt 2>ls.err
head -n 1 ls.txt | grep -q "^date .*cell .*simulate_s"
grep -q "^$((12 + MPI_RAN)) of $((12 + MPI_RAN)) records" ls.err
test "$("$SB" ls --store store backend=c model=brunel ranks=1 2>/dev/null | tail -n +2 | wc -l)" -eq 2
test "$("$SB" ls --store store status=skipped 2>/dev/null | tail -n +2 | wc -l)" -eq $((4 - MPI_RAN))
test "$("$SB" ls --store store cell.params.scale=0.05 status!=skipped 2>/dev/null | tail -n +2 | wc -l)" -eq $((2 + 2 * MPI_RAN))
test "$("$SB" ls --store store 'cell=*peer*' commit=c0ffee 2>/dev/null | tail -n +2 | wc -l)" -eq 4
"$SB" ls --store store --csv --columns cell.id,rep,timers.simulation_s,meta.cpu status=ok >ls.csv
$PY - $MPI_RAN <<'PY'
import csv, sys
rows = list(csv.DictReader(open("ls.csv")))
assert len(rows) == 6 + 2 * int(sys.argv[1]), rows
assert set(rows[0]) == {"cell.id", "rep", "timers.simulation_s", "meta.cpu"}
assert all(float(r["timers.simulation_s"]) >= 0 for r in rows)
PY
if "$SB" ls --store store nonsense 2>/dev/null; then exit 1; fi

# compare on synthetic stores: a clear regression, no change, too few runs
$PY - <<'PY'
import json, os
def rec(store, commit, machine, cell, rep, sim, cons=0.5):
    d = f"{store}/{machine}/{commit}"
    os.makedirs(d, exist_ok=True)
    r = {"schema": 1, "kind": "snnbench-record", "status": "ok", "reason": None, "suite": "syn",
         "cell": {"id": cell, "model": cell.split("-")[0], "file": cell.split("-")[0] + ".lua",
                  "params": {}, "backend": "c", "ranks": 1, "threads": 1, "time_ms": 100},
         "rep": rep, "timers": {"simulation_s": sim, "construction_s": cons}, "sanity": {},
         "memory": {}, "meta": {"machine": machine, "hostname": machine, "commit": commit,
                                "date": f"2025-01-0{1 if commit.startswith('a') else 2}T00:00:0{rep}.000Z",
                                "os": "Linux", "cpu": "x", "cores": 4}}
    json.dump(r, open(f"{d}/syn-{cell}-{rep}-x.json", "w"))
for rep in range(1, 6):
    rec("syn", "aaaa000001", "m1", "net-c-r1-t1", rep, 1.00 + 0.01 * rep)
    rec("syn", "bbbb000002", "m1", "net-c-r1-t1", rep, 1.30 + 0.01 * rep)   # 30 % slower
    rec("syn", "aaaa000001", "m1", "other-c-r1-t1", rep, 2.0 + 0.01 * rep)
    rec("syn", "bbbb000002", "m1", "other-c-r1-t1", rep, 2.0 + 0.01 * (6 - rep) + 0.001)
    rec("same", "aaaa000001", "m1", "net-c-r1-t1", rep, 1.00 + 0.01 * rep)
    rec("same", "cccc000003", "m1", "net-c-r1-t1", rep, 1.005 + 0.01 * rep)
for rep in range(1, 4):
    rec("few", "aaaa000001", "m1", "net-c-r1-t1", rep, 1.0 + 0.01 * rep)
    rec("few", "bbbb000002", "m1", "net-c-r1-t1", rep, 2.0 + 0.01 * rep)
PY
set +e
"$SB" compare --store syn commit=aaaa commit=bbbb000002 >cmp1; rc1=$?
"$SB" compare --store syn commit=bbbb commit=aaaa >cmp2; rc2=$?
"$SB" compare --store same commit=aaaa commit=cccc >cmp3; rc3=$?
"$SB" compare --store few commit=aaaa commit=bbbb >cmp4; rc4=$?
"$SB" compare --store syn --threshold 40% commit=aaaa commit=bbbb >cmp5; rc5=$?
"$SB" compare --store syn commit=aaaa commit=nothing 2>cmp6; rc6=$?
set -e
cat cmp1
test "$rc1" -eq 1 && test "$rc2" -eq 0 && test "$rc3" -eq 0 && test "$rc4" -eq 0 && test "$rc5" -eq 0 && test "$rc6" -eq 2
grep -q "^net-c-r1-t1 .* slower$" cmp1
grep -q "^other-c-r1-t1 .* inconclusive$" cmp1
grep -q "^REGRESSION: 1 cell" cmp1
grep -q "^net-c-r1-t1 .* faster$" cmp2
grep -q "inconclusive" cmp3
grep -q "insufficient" cmp4
grep -q "no cell has ok records on both sides" cmp6

# slurm: one script per cell that runs that cell into DIR/store; import brings it over
"$SB" slurm tiny.yaml -o slurm >/dev/null
test "$(ls slurm/*.sbatch | wc -l)" -eq 9
grep -q '^#SBATCH --ntasks=2' slurm/brunel-scale=0.05-c-r2-t1.sbatch
grep -q '^export SNNBENCH_LAUNCHER="srun --ntasks=2' slurm/brunel-scale=0.05-c-r2-t1.sbatch
grep -q "run '.*tiny.yaml' --cell 'lif_single-c-r1-t1'" slurm/lif_single-c-r1-t1.sbatch
grep -q "sbatch 'lif_single-c-r1-t1.sbatch'" slurm/submit.sh
SLURM_JOB_ID=42 SNNBENCH_COMMIT=c0ffee000001 bash slurm/lif_single-c-r1-t1.sbatch 2>/dev/null
test "$(find slurm/store -name '*.json' | wc -l)" -eq 2
"$SB" import slurm --store store | grep -q "^imported 2 records"
"$SB" import slurm --store store | grep -q "^imported 0 records into store (2 already there)"
test "$("$SB" ls --store store cell=lif_single-c-r1-t1 2>/dev/null | tail -n +2 | wc -l)" -eq 4

# slurm --checkpoint: each C cell as one long run that checkpoints every S seconds and on
# Slurm's SIGUSR1 before the limit (forwarded as SIGTERM), requeued, continued with --restore
"$SB" slurm tiny.yaml -o slurmck --checkpoint 600 | grep -q "^wrote 3 sbatch scripts (checkpointed long runs; 6 cells skipped"
s=slurmck/lif_single-c-r1-t1.sbatch
grep -qx '#SBATCH --signal=B:USR1@120' $s
grep -qx '#SBATCH --requeue' $s
grep -qx "trap 'kill -TERM \$pid' USR1" $s
grep -qF 'scontrol requeue "$SLURM_JOB_ID"' $s
grep -qF '[ -f "$ck/manifest.json" ] && restore=(--restore "$ck")' $s
grep -qF -- "--config '$PWD/slurmck/lif_single-c-r1-t1.ckpt.yaml'" $s
grep -qx "  every_seconds: 600" slurmck/lif_single-c-r1-t1.ckpt.yaml
grep -qx "  dir: '$PWD/slurmck/ckpt/lif_single-c-r1-t1'" slurmck/lif_single-c-r1-t1.ckpt.yaml
grep -q "^srun --ntasks=2 --cpus-per-task=1 \"\$sim\" --time 200 " slurmck/brunel-scale=0.05-c-r2-t1.sbatch
grep -qx "sbatch 'lif_single-c-r1-t1.sbatch'" slurmck/submit.sh
# run as a requeued job would: a checkpoint of the first 100 ms is there, the script builds
# the simulator, restores and runs to the end, then marks the cell done
bash $s >/dev/null 2>&1  # the first job: builds, runs the whole 200 ms, done
test -e slurmck/lif_single-c-r1-t1.done
rm -rf slurmck/out slurmck/lif_single-c-r1-t1.done
sim=$(find slurmck/build/lif_single-c-r1-t1 -maxdepth 1 -type f -perm -u+x | head -n 1)
"$sim" --time 100 --quiet --output slurmck/first --set checkpoint.dir=slurmck/ckpt/lif_single-c-r1-t1 \
    --set checkpoint.at_end=true
SLURM_JOB_ID=43 SLURM_RESTART_COUNT=1 bash $s >/dev/null 2>&1
test -e slurmck/lif_single-c-r1-t1.done
$PY -c "import json; r=json.load(open('slurmck/out/lif_single-c-r1-t1/part1/run.json')); assert r['status']=='complete' and r['run']['restored_from']['step']==1000, r['run']"
echo "snnbench e2e ok"
