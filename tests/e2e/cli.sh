#!/usr/bin/env bash
# The command lines of snncc and of a generated simulator: help and version, generated
# code reproducible byte for byte with #line directives into the model file, seeds
# (same seed: identical spikes; other seed: different ones), config files and --set,
# and an interrupted run that says so.
set -euo pipefail
"$SNNCC" --help | grep -q -- "--backend"
"$SNNCC" --version | grep -q "^snncc "
if "$SNNCC" --backend fortran models/brunel.lua 2>"$WORK/err"; then exit 1; fi
grep -q "unknown back end 'fortran'" "$WORK/err"

# reproducible generated code
"$SNNCC" -q -S models/brunel.lua -o "$WORK/gen1"
"$SNNCC" -q -S models/brunel.lua -o "$WORK/gen2"
cmp "$WORK/gen1/brunel.c" "$WORK/gen2/brunel.c"
grep -q '^#line 3[0-9] "models/brunel.lua"' "$WORK/gen1/brunel.c"
"$SNNCC" -q -S --no-line models/brunel.lua -o "$WORK/gen3"
if grep -q '^#line' "$WORK/gen3/brunel.c"; then exit 1; fi
# model hash is in the banner; -D changes the model and so the hash
"$SNNCC" -q -S -D scale=0.5 models/brunel.lua -o "$WORK/gen4"
h1=$(sed -n 's/.*model hash \([0-9a-f]*\).*/\1/p' "$WORK/gen1/brunel.c")
h4=$(sed -n 's/.*model hash \([0-9a-f]*\).*/\1/p' "$WORK/gen4/brunel.c")
[ -n "$h1" ] && [ "$h1" != "$h4" ]

# seeds: the small network, 200 ms
"$SNNCC" -q -D scale=0.2 models/brunel.lua -o "$WORK/sim"
sim="$WORK/sim/brunel"
"$sim" --help | grep -q -- "--config"
"$sim" --time 200 --quiet --output "$WORK/a"
"$sim" --time 200 --quiet --output "$WORK/b"
"$sim" --time 200 --quiet --output "$WORK/c" --set seed=99
cmp "$WORK/a/spikes_E.npy" "$WORK/b/spikes_E.npy"
if cmp -s "$WORK/a/spikes_E.npy" "$WORK/c/spikes_E.npy"; then exit 1; fi

# a config file, with --set overriding it
cat >"$WORK/run.yaml" <<'YAML'
# a run config
duration: 50
seed: 99
output: OUTDIR
record:
  E: none
  I: spikes
YAML
sed -i "s|OUTDIR|$WORK/d|" "$WORK/run.yaml"
"$sim" --config "$WORK/run.yaml" --set duration=100 --quiet
test ! -e "$WORK/d/spikes_E.npy"
test -f "$WORK/d/spikes_I.npy"
$PY - "$WORK" <<'PY'
import json, sys
import numpy as np
w = sys.argv[1]
d = json.load(open(f"{w}/d/run.json"))
assert d["run"]["duration_ms"] == 100 and d["run"]["steps"] == 1000, d["run"]
assert d["run"]["seed"] == 99
assert d["run"]["config"].endswith("run.yaml")
i = np.load(f"{w}/d/spikes_I.npy")
assert i["t"].max() <= 100.0 + 1e-9
c = json.load(open(f"{w}/c/run.json"))
assert d["model"]["hash"] == c["model"]["hash"]
assert d["projections"][0]["checksum"] != json.load(open(f"{w}/a/run.json"))["projections"][0]["checksum"]
print("config and --set ok")
PY

# SIGINT: the run stops, writes what it has and says it was interrupted
"$sim" --time 100000 --quiet --output "$WORK/int" &
pid=$!
for _ in $(seq 1 1200); do
    [ -e "$WORK/int/spikes_E.npy.part" ] && break
    sleep 0.1
done
sleep 0.5
kill -INT $pid
st=0
wait $pid || st=$?
[ "$st" -eq 130 ]
$PY - "$WORK/int" <<'PY'
import json, sys
import numpy as np
d = sys.argv[1]
r = json.load(open(f"{d}/run.json"))
assert r["status"] == "interrupted", r["status"]
assert 0 < r["run"]["steps_done"] < r["run"]["steps"]
s = np.load(f"{d}/spikes_E.npy.part")
print(f"interrupted after {r['run']['steps_done']} steps, {len(s)} spikes kept")
PY

# reproducible even where the model walks Lua tables (record{} is a map: Lua's string
# hashing is randomised per state, so anything taken in table order would vary)
cat >"$WORK/ord.lua" <<'LUA'
network { name = "ord" }
for _, n in ipairs({"A","B","C","D","E","F","G","H"}) do population { n, lif, 2 } end
record { A = "V", B = "V", C = "V", D = "V", E = "V", F = "V", G = "V", H = "V" }
LUA
for k in 1 2 3 4; do
    "$SNNCC" -q -S "$WORK/ord.lua" -o "$WORK/ord$k"
done
for k in 2 3 4; do
    cmp "$WORK/ord1/ord.c" "$WORK/ord$k/ord.c"
done

# projections can be built on several threads (--set threads=N, OpenMP); the network and
# the spikes must not depend on the number of threads
"$sim" --time 100 --quiet --output "$WORK/t1" --set threads=1
"$sim" --time 100 --quiet --output "$WORK/t2" --set threads=2
cmp "$WORK/t1/spikes_E.npy" "$WORK/t2/spikes_E.npy"
$PY - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
a = [p["checksum"] for p in json.load(open(f"{w}/t1/run.json"))["projections"]]
b = [p["checksum"] for p in json.load(open(f"{w}/t2/run.json"))["projections"]]
assert a == b and len(a) == 4, (a, b)
print("1 and 2 construction threads: same connectivity and spikes")
PY
