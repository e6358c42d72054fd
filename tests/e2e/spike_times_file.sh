#!/usr/bin/env bash
# Spike times of a spike_source_array read at run time (spike_times in the run config or
# --set spike_times.<pop>=file): a text file gives exactly its times on the dt grid, a
# recorded spike file (.npy) replays exactly, the compiled-in times stay the default, MPI
# ranks give the same spikes, run.json names the file, and bad files or populations stop
# the run with the file and line.
set -euo pipefail
cat >"$WORK/m.lua" <<'LUA'
network { name = "sst", dt = 0.1, precision = "double" }
local S = population { "S", spike_source_array { times = { { 1.0 }, { 2.0 }, {}, { 0.5, 0.55 } } }, 4 }
local relay = neuron { name = "relay", vars = { V = 0.0 }, sim = "V = Isyn;",
                       threshold = "V > 0.5", reset = "V = 0.0;" }
local R = population { "R", relay, 4 }
projection { S, R, conn = one_to_one(), weight = 1.0, delay = 0.1 }
record { S = "spikes", R = "spikes" }
LUA
cd "$WORK"
"$SNNCC" -q m.lua -o b
printf '# neuron time_ms\n0 3.0\n2 0.1\n2 7.25 # a comment\n1, 4\n3 0.52\n3 0.58\n' >in.txt
printf '3 9.0\n3 8.0\n' >in_sorted.txt
b/sst --time 10 --output o0 --quiet
b/sst --time 10 --output o1 --quiet --set spike_times.S=in.txt
printf 'spike_times:\n  S: in_sorted.txt\n' >c.yaml
b/sst --time 10 --output o3 --quiet --config c.yaml
grep -q '"spike_times": {"S": "in.txt"}' o1/run.json
grep -q '"spike_times": {}' o0/run.json
$PY - <<'PY'
import numpy as np
s = lambda o, p: [(round(t, 6), int(i)) for t, i in np.load(f"{o}/spikes_{p}.npy").tolist()]
# compiled in: 0.5 and 0.55 ms of neuron 3 fall in steps 4 and 5 (0.55 rounds up)
assert s("o0", "S") == [(0.5, 3), (0.6, 3), (1.0, 0), (2.0, 1)], s("o0", "S")
# from the file: 7.25 rounds to 7.3 (round half away from zero, as at compile time), two
# times within one step move to the next; each relayed one step later
assert s("o1", "S") == [(0.1, 2), (0.5, 3), (0.6, 3), (3.0, 0), (4.0, 1), (7.3, 2)], s("o1", "S")
assert [(round(t - 0.1, 6), i) for t, i in s("o1", "R")] == s("o1", "S"), s("o1", "R")
# unsorted lines are sorted per neuron
assert s("o3", "S") == [(8.0, 3), (9.0, 3)], s("o3", "S")
print("spike times from text files: exact")
PY
# replay: a recorded spike file as input gives the same spikes back
b/sst --time 10 --output o2 --quiet --set spike_times.S=o1/spikes_R.npy
cmp o1/spikes_R.npy o2/spikes_S.npy
echo "a recorded .npy spike file replays exactly"
# Open MPI's own allocations look like leaks to LeakSanitizer (make asan), as in mpi.sh
if command -v mpirun >/dev/null && [ -f "$OLDPWD/${BUILD:-build}/lib/libsnnrt_mpi.a" ]; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    "$SNNCC" -q --mpi m.lua -o bm
    mpirun --oversubscribe -np 3 bm/sst --time 10 --output om --quiet --set spike_times.S=in.txt
    cmp o1/spikes_S.npy om/spikes_S.npy
    cmp o1/spikes_R.npy om/spikes_R.npy
    echo "3 MPI ranks: the same spikes"
fi
fails() { # expected-message args...
    local want=$1
    shift
    if b/sst --time 1 --quiet --output of "$@" 2>err; then echo "FAIL: $* ran"; exit 1; fi
    grep -qF "$want" err || { echo "FAIL: want '$want', got:"; cat err; exit 1; }
}
printf '0 1\n7 2\n' >bad_index.txt
printf '0 1\n1 x\n' >bad_line.txt
printf '0 -1\n' >bad_time.txt
$PY -c "import numpy as np; np.save('plain.npy', np.arange(5.0))"
fails "bad_index.txt:2: neuron 7, but the population has 4 neurons (0 .. 3)" --set spike_times.S=bad_index.txt
fails "bad_line.txt:2: expected 'neuron time_ms'" --set spike_times.S=bad_line.txt
fails "bad_time.txt:1: time -1 ms is not a finite number >= 0" --set spike_times.S=bad_time.txt
fails "nofile.txt: No such file or directory" --set spike_times.S=nofile.txt
fails "plain.npy: the array is not structured" --set spike_times.S=plain.npy
fails "population 'R' is not a spike_source_array, so its spikes cannot come from a file (spike_source_array populations: S)" --set spike_times.R=in.txt
fails "'spike_times': the model has no population 'Q'" --set spike_times.Q=in.txt
printf 'spike_times:\n  S: bad_index.txt\n' >bad.yaml
fails "spike_times.S (bad.yaml:2): bad_index.txt:2: neuron 7" --config bad.yaml
echo "bad files and populations: clear errors"
