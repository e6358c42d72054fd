#!/usr/bin/env bash
# bench/peers.sh - `make bench-peers`: snncc against Brian2's C++ standalone mode
# (Debian's python3-brian) on the same networks, one after the other in one run:
#   COBA (models/coba.lua), 10 s biological time;
#   hpc_benchmark (models/hpc_benchmark.lua) at SCALE (default 1), static synapses,
#   1 s after a 0.1 s warm-up.
# Prints construction time, simulation time, peak memory and the ratios snncc/Brian2.
# Knobs: SCALE (hpc_benchmark), COBA_MS (default 10000), HPC_MS (default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SCALE=${SCALE:-1}
COBA_MS=${COBA_MS:-10000}
HPC_MS=${HPC_MS:-1000}
OUT="$BUILD/bench-peers"
mkdir -p "$OUT"
/usr/bin/python3 -c 'import brian2' 2>/dev/null || { echo "bench/peers.sh: Brian2 is not installed (apt-get install python3-brian)" >&2; exit 1; }

echo "== snncc COBA, $COBA_MS ms"
"$BUILD/bin/snncc" -q models/coba.lua -o "$OUT/coba"
"$OUT/coba/coba" --time "$COBA_MS" --quiet --output "$OUT/coba/run"
echo "== Brian2 COBA, $COBA_MS ms"
b_coba=$(/usr/bin/python3 bench/peers/coba_brian2.py "$COBA_MS" 2>/dev/null | grep '^brian2' | head -n 1)
echo "== snncc hpc_benchmark scale $SCALE, $HPC_MS ms + 100 ms warm-up"
"$BUILD/bin/snncc" -q -D scale="$SCALE" models/hpc_benchmark.lua -o "$OUT/hpc"
"$OUT/hpc/hpc_benchmark" --time $((HPC_MS + 100)) --quiet --output "$OUT/hpc/run"
echo "== Brian2 hpc_benchmark scale $SCALE"
b_hpc=$(/usr/bin/python3 bench/peers/hpc_brian2.py "$SCALE" "$HPC_MS" 100 2>/dev/null | grep '^brian2' || true)

/usr/bin/python3 - "$OUT" "$HPC_MS" "$b_coba" "$b_hpc" <<'PY'
import json, re, sys
out, hpc_ms, b_coba, b_hpc = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
def snncc(name, frac=1.0):
    r = json.load(open(f"{out}/{name}/run/run.json"))
    t = r["timers"]
    return t["construction_s"] + t["init_s"], t["simulation_s"] * frac, r["memory"]["peak_rss_bytes"], r
def brian(line):
    c = re.search(r"construction ([0-9.]+) s", line)
    s = re.search(r"simulation ([0-9.]+) s", line)
    m = re.search(r"peak RSS ([0-9.]+) GB", line)
    return (float(c.group(1)) if c else None, float(s.group(1)) if s else None,
            float(m.group(1)) * 1e9 if m else None)
rows = []
c, s, m, r = snncc("coba")
rows.append(("COBA", c, s, m, r, brian(b_coba)))
c, s, m, r = snncc("hpc", hpc_ms / (hpc_ms + 100.0))
rows.append(("hpc_benchmark", c, s, m, r, brian(b_hpc)))
print(f"{'model':<14} {'':>8} {'construct s':>12} {'simulate s':>11} {'peak MB':>9}")
for name, c, s, m, r, (bc, bs, bm) in rows:
    print(f"{name:<14} {'snncc':>8} {c:>12.3f} {s:>11.3f} {m / 1e6:>9.1f}")
    if bs is not None:
        print(f"{'':<14} {'Brian2':>8} {bc:>12.3f} {bs:>11.3f} {(bm or 0) / 1e6:>9.1f}")
        print(f"{'':<14} {'ratio':>8} {c / bc:>12.2f} {s / bs:>11.2f} {m / bm if bm else float('nan'):>9.2f}")
    syn = r["sizes"]["synapses"]
    print(f"{'':<14} {'':>8} {syn} synapses, {r['sizes']['synapse_bytes'] / max(syn, 1):.2f} bytes/synapse, "
          f"rates " + ", ".join(f"{p['name']} {p['rate_hz']:.2f} Hz" for p in r["populations"]))
PY
