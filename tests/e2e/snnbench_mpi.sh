#!/usr/bin/env bash
# snnbench with MPI and GPU cells, against stand-ins on PATH: a fake snncc (builds a
# script "simulator" that writes a run.json with the parallel section, per-rank timers
# and memory; can refuse --mpi or fail a cuda build), a fake mpirun (logs its command
# line and environment, passes the rank count on), a fake srun and a fake nvidia-smi.
# Checked: the launcher command per cell (-np, --oversubscribe, --bind-to none,
# --set threads/exchange), the root permission in the environment, SNNBENCH_LAUNCHER and
# the suite's launcher, records with parallel/rank_timers/imbalance usable by ls, CSV
# and compare, the MPI version in meta, a single-process build under mpirun caught, and
# the skip/fail reasons (no mpirun, no --mpi, no GPU, a failing cuda build).
set -euo pipefail
SB="$PWD/$BUILD/bin/snnbench"
ROOT=$PWD
cd "$WORK"
unset OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM # what snnbench adds is checked
mkdir -p bin
export FAKE_LOG="$WORK/log"
: >"$FAKE_LOG"

cat >bin/snncc <<'SH'
#!/usr/bin/env bash
# fake snncc: -o DIR, --backend B, --mpi, MODEL.lua
out= backend=c mpi=0 model=
while [ $# -gt 0 ]; do
    case "$1" in
    -o) out=$2; shift ;;
    --backend) backend=$2; shift ;;
    --mpi) mpi=1 ;;
    -D) shift ;;
    *.lua) model=$1 ;;
    esac
    shift
done
if [ "$mpi" = 1 ] && [ -n "${FAKE_SNNCC_NO_MPI:-}" ]; then
    echo "snncc: error: unknown option '--mpi'" >&2
    echo "(snncc --help lists the options)" >&2
    exit 2
fi
if [ "$backend" = cuda ] && [ -n "${FAKE_CUDA_BROKEN:-}" ]; then
    echo "nvcc fatal   : Unsupported gpu architecture 'compute_99'" >&2
    exit 1
fi
name=$(basename "$model" .lua)
mkdir -p "$out"
printf 'codegen_s: 0.01\ncompile_s: 0.5\n' >"$out/build.yaml"
{
    echo '#!/usr/bin/env bash'
    echo "MPI_BUILD=$mpi BACKEND=$backend NAME=$name"
    cat "$(dirname "$0")/sim.in"
} >"$out/$name"
chmod +x "$out/$name"
SH

cat >bin/sim.in <<'SH'
# fake simulator: ranks from the fake launcher (FAKE_NP) when built with --mpi, except
# for the model "single" (a single-process build that ignores it)
outdir= t=1000 threads=1 exchange=collective
while [ $# -gt 0 ]; do
    case "$1" in
    --output) outdir=$2; shift ;;
    --time) t=$2; shift ;;
    --set) case "$2" in threads=*) threads=${2#threads=} ;; exchange=*) exchange=${2#exchange=} ;; esac; shift ;;
    esac
    shift
done
ranks=1
[ "$MPI_BUILD" = 1 ] && [ "$NAME" != single ] && ranks=${FAKE_NP:-1}
echo "sim $NAME backend=$BACKEND ranks=$ranks threads=$threads exchange=$exchange omp=${OMP_NUM_THREADS:-} root=${OMPI_ALLOW_RUN_AS_ROOT:-}" >>"$FAKE_LOG"
mkdir -p "$outdir"
/usr/bin/python3 - "$outdir/run.json" "$t" "$ranks" "$threads" "$exchange" "${FAKE_SLOW:-1}" <<'PY'
import json, sys
path, t, ranks, threads, exchange, slow = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
sim = slow * 2.0 / (ranks * threads) ** 0.9
spread = lambda med, imb: {"min": med * (2 - imb), "median": med, "max": med * imb}
rt = {"construction_s": spread(0.3, 1.1), "init_s": spread(0.01, 1.0),
      "simulation_s": spread(sim / 1.2, 1.2), "update_s": spread(sim * 0.6, 1.3),
      "deliver_s": spread(sim * 0.2, 1.1), "communicate_s": spread(sim * 0.1, 1.5),
      "wait_s": spread(sim * 0.05, 2.0)}
json.dump({"schema": 1, "status": "complete",
           "model": {"name": "m", "hash": "0123456789abcdef", "precision": "float"},
           "runtime": {"version": "0.2.0"},
           "run": {"duration_ms": t, "steps": int(t * 10), "steps_done": int(t * 10), "seed": 1},
           "parallel": {"ranks": ranks, "threads": threads, "exchange": exchange,
                        "comm_interval_steps": 15, "decomposition": "blocks"},
           "timers": {"construction_s": 0.33, "init_s": 0.01, "simulation_s": sim,
                      "real_time_factor": sim / (t / 1000)},
           "rank_timers": rt,
           "rank_memory": {"peak_rss_bytes": spread(1e8, 1.25)},
           "sizes": {"neurons": 100, "synapses": 1000},
           "memory": {"peak_rss_bytes": 1.25e8},
           "populations": [{"name": "E", "size": 100, "spikes": 50, "rate_hz": 5.0}]},
          open(path, "w"))
PY
SH

cat >bin/mpirun <<'SH'
#!/usr/bin/env bash
# fake mpirun: --version (fails with FAKE_MPIRUN_BROKEN), else -np N [options] PROGRAM ...
if [ "${1:-}" = --version ]; then
    [ -n "${FAKE_MPIRUN_BROKEN:-}" ] && exit 1
    printf 'mpirun (Open MPI) 4.1.9\n\nReport bugs to http://www.open-mpi.org/community/help/\n'
    exit 0
fi
echo "mpirun $* | root=${OMPI_ALLOW_RUN_AS_ROOT:-}${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-}" >>"$FAKE_LOG"
while [ $# -gt 0 ]; do
    case "$1" in
    -np) export FAKE_NP=$2; shift 2 ;;
    --oversubscribe) shift ;;
    --bind-to) shift 2 ;;
    *) break ;;
    esac
done
exec "$@"
SH

cat >bin/fake-srun <<'SH'
#!/usr/bin/env bash
echo "fake-srun $*" >>"$FAKE_LOG"
while [ $# -gt 0 ]; do
    case "$1" in
    --ntasks=*) export FAKE_NP=${1#--ntasks=}; shift ;;
    --*) shift ;;
    *) break ;;
    esac
done
exec "$@"
SH

cat >bin/nvidia-smi <<'SH'
#!/usr/bin/env bash
if [ -z "${FAKE_GPU:-}" ]; then
    echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2
    exit 9
fi
case "$*" in
-L) echo "GPU 0: Fake H100 (UUID: GPU-00000000)" ;;
*driver_version*) echo "580.65.06" ;;
*memory.total*) echo "81559 MiB" ;;
*) echo "Fake H100" ;;
esac
SH
chmod +x bin/*
export PATH="$WORK/bin:$PATH"
export SNNCC="$WORK/bin/snncc"
cp "$ROOT/models/lif_single.lua" single.lua

cat >mpi.yaml <<YAML
suite: mpi
time_ms: 100
repetitions: 2
ranks: [1, 2, 4096]
threads: [1, 2]
exchange: [collective, p2p]
models:
  - name: net
    file: $ROOT/models/lif_single.lua
  - name: gpu
    file: $ROOT/models/lif_single.lua
    backends: [cuda]
    ranks: 1
    threads: 1
  - name: viasrun
    file: $ROOT/models/lif_single.lua
    ranks: 2
    threads: 1
    exchange: collective
    launcher: fake-srun --ntasks={ranks} --cpus-per-task={threads}
  - file: single.lua
    ranks: 2
    threads: 1
    exchange: p2p
YAML
"$SB" run mpi.yaml --dry-run >cells
cat cells
test "$(wc -l <cells)" -eq 13
grep -q "^net-c-r4096-t2-p2p	2 reps" cells
grep -q "^gpu-cuda-r1-t1	2 reps	100 ms	skipped: no GPU on this machine" cells ||
    grep -q "^gpu-cuda-r1-t1	2 reps	100 ms$" cells # nvcc here: built first, then skipped

set +e
SNNBENCH_COMMIT=feed00000001 "$SB" run mpi.yaml --store store 2>progress
rc=$?
set -e
cat progress
test "$rc" -eq 1 # the single-process build under mpirun
grep -q "single-c-r2-t1-p2p rep 1: failed: run.json reports 1 rank(s), the cell asked for 2" progress
grep -q "gpu-cuda-r1-t1: skipped: no GPU on this machine" progress
cat "$FAKE_LOG"

# the launcher's command lines
root=""
[ "$(id -u)" -eq 0 ] && root=11
grep -q "^mpirun -np 2 .*/lif_single --time 100 --output .* --quiet --set threads=1 --set exchange=collective | root=$root\$" "$FAKE_LOG"
grep -q "^mpirun -np 2 --bind-to none .*/lif_single --time 100 .* --set threads=2 --set exchange=p2p | root=$root\$" "$FAKE_LOG"
grep -q "^mpirun -np 4096 --oversubscribe --bind-to none .*/lif_single .* --set threads=2 --set exchange=p2p " "$FAKE_LOG"
test "$(grep -c '^mpirun ' "$FAKE_LOG")" -eq $((8 * 2 + 2)) # net's 8 MPI cells and single
grep -q "^fake-srun --ntasks=2 --cpus-per-task=1 .*/lif_single --time 100 " "$FAKE_LOG"
grep -q "^sim lif_single backend=c ranks=1 threads=2 exchange=collective omp=2 root=\$" "$FAKE_LOG"
grep -q "^sim lif_single backend=c ranks=4096 threads=1 exchange=p2p omp=1 " "$FAKE_LOG"

$PY - store <<'PY'
import json, glob, sys
recs = [json.load(open(f)) for f in sorted(glob.glob(f"{sys.argv[1]}/*/*/*.json"))]
by = {}
for r in recs:
    by.setdefault((r["cell"]["id"], r["status"]), []).append(r)
assert len(recs) == 10 * 2 + 1 + 2 + 2, len(recs)
r = by[("net-c-r2-t1-collective", "ok")][0]
assert r["cell"]["mpi"] is True and r["cell"]["exchange"] == "collective"
assert r["parallel"] == {"ranks": 2, "threads": 1, "exchange": "collective",
                         "comm_interval_steps": 15, "decomposition": "blocks"}
assert r["meta"]["launch_command"].startswith("mpirun -np 2 ")
assert r["meta"]["launch_command"].endswith("--set threads=1 --set exchange=collective")
assert r["meta"]["mpi_impl"] == "Open MPI" and r["meta"]["mpi_version"] == "4.1.9"
assert r["meta"]["mpi"] == "mpirun (Open MPI) 4.1.9"
rt = r["rank_timers"]
for k in ("construction_s", "init_s", "simulation_s", "update_s", "deliver_s", "communicate_s", "wait_s"):
    assert rt[k]["min"] <= rt[k]["median"] <= rt[k]["max"], k
assert abs(r["imbalance"]["simulation_s"] - 1.2) < 1e-9
assert abs(r["imbalance"]["wait_s"] - 2.0) < 1e-9
assert abs(r["imbalance"]["peak_rss_bytes"] - 1.25) < 1e-9
assert r["rank_memory"]["peak_rss_bytes"]["max"] == 1.25e8
assert r["timers"]["simulation_s"] == rt["simulation_s"]["max"]
assert r["build"]["compile_s"] == 0.5
one = by[("net-c-r1-t2", "ok")][0]
assert one["cell"]["mpi"] is False and one["cell"]["exchange"] is None
assert not one["meta"]["launch_command"].startswith("mpirun")
assert one["parallel"]["ranks"] == 1 and one["parallel"]["threads"] == 2
assert len(by[("net-c-r4096-t2-p2p", "ok")]) == 2
s = by[("viasrun-c-r2-t1-collective", "ok")][0]
assert s["meta"]["launch_command"].startswith("fake-srun --ntasks=2 --cpus-per-task=1 ")
f = by[("single-c-r2-t1-p2p", "failed")]
assert len(f) == 2 and "run.json reports 1 rank(s)" in f[0]["reason"]
g = by[("gpu-cuda-r1-t1", "skipped")]
assert len(g) == 1 and g[0]["reason"] == "skipped: no GPU on this machine"
print("mpi records ok")
PY

# per-rank figures in ls and CSV by dotted keys
"$SB" ls --store store --csv --columns cell.id,parallel.ranks,rank_timers.simulation_s.max,imbalance.simulation_s,parallel.exchange \
    'cell=net-c-r2-t1-*' >mpi.csv
$PY - <<'PY'
import csv
rows = list(csv.DictReader(open("mpi.csv")))
assert len(rows) == 4, rows
for r in rows:
    assert r["parallel.ranks"] == "2" and float(r["rank_timers.simulation_s.max"]) > 0
    assert abs(float(r["imbalance.simulation_s"]) - 1.2) < 1e-9
    assert r["parallel.exchange"] in ("collective", "p2p")
PY
test "$("$SB" ls --store store parallel.exchange=p2p status=ok 2>/dev/null | tail -n +2 | wc -l)" -eq 8

# compare on the slowest rank's simulation time: 30 % slower at the second commit
SNNBENCH_COMMIT=feed00000001 "$SB" run mpi.yaml --store cmp --cell net-c-r2-t1-collective --reps 5 -q
SNNBENCH_COMMIT=feed00000002 FAKE_SLOW=1.3 "$SB" run mpi.yaml --store cmp --cell net-c-r2-t1-collective --reps 5 -q
set +e
"$SB" compare --store cmp --metric rank_timers.simulation_s.max commit=feed00000001 commit=feed00000002 >cmp.txt
rc=$?
set -e
cat cmp.txt
test "$rc" -eq 1
grep -q "^net-c-r2-t1-collective .* slower" cmp.txt
grep -q "metric rank_timers.simulation_s.max" cmp.txt

# SNNBENCH_LAUNCHER overrides the default and the suite's launcher
: >"$FAKE_LOG"
SNNBENCH_LAUNCHER="fake-srun --ntasks={ranks} --label" "$SB" run mpi.yaml --store env \
    --filter viasrun --filter net-c-r2-t1-p2p --reps 1 -q
grep -q "^fake-srun --ntasks=2 --label .*/viasrun-c-mpi/lif_single " "$FAKE_LOG"
grep -q "^fake-srun --ntasks=2 --label .*/net-c-mpi/lif_single .*--set exchange=p2p" "$FAKE_LOG"
if grep -q "^mpirun" "$FAKE_LOG"; then exit 1; fi

# skipped with the reason when mpirun is broken or snncc has no --mpi
FAKE_MPIRUN_BROKEN=1 "$SB" run mpi.yaml --dry-run --filter net-c-r2 >cells2
grep -q "^net-c-r2-t1-p2p	2 reps	100 ms	skipped: mpirun is not available (mpirun --version failed; on Debian: apt-get install openmpi-bin)" cells2
grep -q "^net-c-r1-t1	2 reps	100 ms$" "cells" # one rank needs no mpirun
FAKE_SNNCC_NO_MPI=1 "$SB" run mpi.yaml --store nompi --cell net-c-r2-t1-p2p 2>progress2
grep -q "net-c-r2-t1-p2p: skipped: snncc has no --mpi option: this snncc builds no MPI simulators" progress2
test "$("$SB" ls --store nompi status=skipped 2>/dev/null | tail -n +2 | wc -l)" -eq 1

# cuda: runs where a GPU is visible; a failing build is a failure with the compiler's words
FAKE_GPU=1 "$SB" run mpi.yaml --store gpu --cell gpu-cuda-r1-t1 -q
$PY - gpu <<'PY'
import json, glob, sys
recs = [json.load(open(f)) for f in glob.glob(f"{sys.argv[1]}/*/*/*.json")]
assert len(recs) == 2 and all(r["status"] == "ok" and r["cell"]["backend"] == "cuda" for r in recs)
assert recs[0]["meta"]["gpu"] == "Fake H100"
assert recs[0]["meta"]["gpu_driver"] == "580.65.06"
assert recs[0]["meta"]["gpu_memory"] == "81559 MiB"
PY
set +e
FAKE_GPU=1 FAKE_CUDA_BROKEN=1 "$SB" run mpi.yaml --store gpubad --cell gpu-cuda-r1-t1 -q
rc=$?
set -e
test "$rc" -eq 1
"$SB" ls --store gpubad --csv --columns status,reason >gpubad.csv
grep -q "^failed,snncc failed (exit 1): nvcc fatal   : Unsupported gpu architecture 'compute_99'" gpubad.csv
# the shipped scaling suite expands as documented: 2 models x (1 + 2 x 2 exchanges) ranks x 2 threads
"$SB" run "$ROOT/bench/suites/scaling.yaml" --dry-run >scaling.cells
test "$(wc -l <scaling.cells)" -eq 20
grep -q "^hpc-scale=0.5-c-r4-t2-p2p	5 reps	1000 ms" scaling.cells

# the real Open MPI (when mpicc and mpirun are here): a minimal MPI program stands in for
# the simulator, so the command line and the environment snnbench gives mpirun are
# accepted for real (as root too), oversubscribed or not
PATH=${PATH#"$WORK/bin:"}
if command -v mpicc >/dev/null && mpirun --version >/dev/null 2>&1; then
    cat >mpisim.c <<'C'
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, threads = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *out = ".";
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--output")) out = argv[++i];
        else if (!strcmp(argv[i], "--set") && !strncmp(argv[i + 1], "threads=", 8)) threads = atoi(argv[++i] + 8);
    }
    double t = MPI_Wtime(), mn, mx;
    t = MPI_Wtime() - t + 0.001 * (rank + 1);
    MPI_Reduce(&t, &mn, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
    MPI_Reduce(&t, &mx, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        char p[4096];
        mkdir(out, 0777);
        snprintf(p, sizeof p, "%s/run.json", out);
        FILE *f = fopen(p, "w");
        fprintf(f, "{\"status\": \"complete\", \"parallel\": {\"ranks\": %d, \"threads\": %d},"
                   " \"timers\": {\"simulation_s\": %g}, \"rank_timers\": {\"simulation_s\":"
                   " {\"min\": %g, \"median\": %g, \"max\": %g}}}\n", size, threads, mx, mn, mn, mx);
        fclose(f);
    }
    MPI_Finalize();
    return 0;
}
C
    mpicc -O1 mpisim.c -o mpisim
    printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\nmkdir -p "$out" && cp %s/mpisim "$out/mpisim"\n' "$WORK" >mpi-snncc
    chmod +x mpi-snncc
    ncores=$(nproc)
    over=$((ncores + 1)) ranks="2, $((ncores + 1))"
    [ "$ncores" -gt 8 ] && over=0 ranks=2 # no oversubscription test with that many processes
    printf 'suite: real\ntime_ms: 10\nrepetitions: 1\nranks: [%s]\nthreads: [1, 2]\nmodels:\n  - file: %s/models/lif_single.lua\n' \
        "$ranks" "$ROOT" >real.yaml
    # a machine where mpirun cannot start even one process is not snnbench's problem
    if ! OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 60 mpirun -np 1 ./mpisim --output probe >probe.log 2>&1; then
        cat probe.log
        echo "SKIP: mpirun cannot start a process here; the real Open MPI was not tried"
        echo "snnbench mpi e2e ok"
        exit 0
    fi
    env -u OMPI_ALLOW_RUN_AS_ROOT -u OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
        "$SB" run real.yaml --store real --snncc "$WORK/mpi-snncc" 2>real.log || { cat real.log; exit 1; }
    cat real.log
    test "$("$SB" ls --store real status=ok parallel.ranks=2 2>/dev/null | tail -n +2 | wc -l)" -eq 2
    if [ "$over" -gt 2 ]; then
        test "$("$SB" ls --store real status=ok parallel.ranks=$over 2>/dev/null | tail -n +2 | wc -l)" -eq 2
        "$SB" ls --store real --csv --columns meta.launch_command | grep -q "^mpirun -np $over --oversubscribe --bind-to none "
    fi
else
    echo "SKIP: no mpicc/mpirun; the real Open MPI was not tried"
fi
echo "snnbench mpi e2e ok"
