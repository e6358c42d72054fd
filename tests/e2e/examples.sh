#!/usr/bin/env bash
# Every shipped model and every example of docs/ must stay valid: each one is checked, and
# each docs example is compiled and run for 50 ms.
set -euo pipefail
source tests/lib/examples.sh
for f in models/*.lua; do
    "$SNNCC" --check -q "$f"
done
"$SNNCC" --check -q -D N_scale=0.05 -D K_scale=0.1 models/microcircuit.lua
"$SNNCC" --check -q -D plastic=1 models/hpc_benchmark.lua
for f in docs/examples/*.lua; do
    name=$(basename "$f" .lua)
    "$SNNCC" -q "$(example_model "$f")" -o "$WORK/$name"
    sim=$(find "$WORK/$name" -maxdepth 1 -type f -perm -u+x | head -n 1)
    "$sim" --time 50 --quiet --output "$WORK/$name/out"
    grep -q '"status": "complete"' "$WORK/$name/out/run.json"
    echo "$f: ok"
done

# the model file shown in README.md
awk '/^```lua$/ {on = 1; next} /^```$/ {if (on) exit} on' README.md >"$WORK/readme.lua"
grep -q 'network { name = "tiny"' "$WORK/readme.lua"
"$SNNCC" -q "$WORK/readme.lua" -o "$WORK/readme"
"$WORK/readme/tiny" --time 200 --quiet --output "$WORK/readme/out"
$PY - "$WORK/readme/out/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rates = {p["name"]: p["rate_hz"] for p in r["populations"]}
assert 1.0 < rates["E"] < 100.0, rates   # the README promises a working, spiking network
print("README example:", rates)
PY

# the example run config
"$SNNCC" -q -D scale=0.1 models/brunel.lua -o "$WORK/brcfg"
"$WORK/brcfg/brunel" --config models/brunel.yaml --set duration=50 --output "$WORK/brcfg/out" --quiet
test -f "$WORK/brcfg/out/spikes_E.npy"
test ! -e "$WORK/brcfg/out/spikes_I.npy"
