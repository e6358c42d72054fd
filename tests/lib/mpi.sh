# tests/lib/mpi.sh - sourced by the end-to-end tests that run MPI simulators (mpi.sh, cuda_mpi*.sh,
# mpi_overlap.sh, plastic_parallel.sh, record_synapses.sh): the Open MPI check, mpirun
# with --oversubscribe, and same_outputs.
if ! command -v mpirun >/dev/null || [ ! -f "$(dirname "$SNNCC")/../lib/libsnnrt_mpi.a" ]; then
    echo "FAIL: Open MPI (mpirun, mpicc) is needed for this test (ci/install-deps installs it)"
    exit 1
fi
MPIRUN=(mpirun --oversubscribe)
# Under `make asan`: Open MPI's own allocations at exit (from components it unloads) would
# be reported as leaks of every simulator; leaks of the simulators themselves are checked
# by the single-process tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }

# same_outputs DIR_A DIR_B WHAT: every .npy of A byte-identical in B; in run.json the
# projections' connectivity checksums, synapse counts and final synapse checksums (plastic
# projections) and the populations' spike counts equal.
same_outputs() {
    local a=$1 b=$2 f
    for f in "$a"/*.npy; do
        cmp -s "$f" "$b/$(basename "$f")" || fail "$3: $(basename "$f") differs"
    done
    $PY - "$a/run.json" "$b/run.json" "$3" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for pa, pb in zip(a["projections"], b["projections"]):
    for k in ("checksum", "synapses", "final_checksum"):
        assert pa.get(k) == pb.get(k), f"{sys.argv[3]}: projection {pa['name']}: {k} {pa.get(k)} vs {pb.get(k)}"
for pa, pb in zip(a["populations"], b["populations"]):
    assert pa["spikes"] == pb["spikes"], f"{sys.argv[3]}: {pa['name']} spike counts differ"
PY
    ok "$3: spikes, recordings, checksums and counts identical"
}
