#!/usr/bin/env bash
# tools/raster.sh [--data DIR] OUTDIR PNG [MAX_IDS] - raster plot of the spikes_*.npy files
# in OUTDIR (first MAX_IDS neurons of each population, default 100, stacked) above the
# population rates in 5 ms bins, drawn by gnuplot.  The .npy files have a fixed 128-byte
# header followed by (float64 t, uint32 i) records, which gnuplot reads as binary.
# The rates are binned here (python3 + numpy) over every bin of the run, empty ones
# included (0 Hz), into rate_<pop>.dat ("bin_start_ms rate_hz" per line, the last bin
# repeated at the end time for gnuplot's steps); --data DIR keeps those files in DIR.
# PNG "-" draws nothing (only --data's files; gnuplot is then not needed).
set -euo pipefail
data=""
if [ "${1:-}" = "--data" ]; then
    data=$2
    shift 2
fi
[ $# -ge 2 ] || { echo "usage: tools/raster.sh [--data DIR] OUTDIR PNG|- [MAX_IDS]" >&2; exit 2; }
dir=$1
png=$2
max=${3:-100}
[ "$png" = "-" ] || command -v gnuplot >/dev/null || { echo "raster.sh: gnuplot is not installed (ci/install-deps)" >&2; exit 1; }
files=()
for f in "$dir"/spikes_*.npy; do
    [ -e "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { echo "raster.sh: no spikes_*.npy in $dir" >&2; exit 1; }
# population sizes and the duration from run.json (for rates in Hz and the time axis)
read -r tmax sizes < <(/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["run"]["duration_ms"], " ".join("%s=%d" % (p["name"], p["size"]) for p in r["populations"]))' "$dir/run.json" 2>/dev/null || echo "*")
if [ -z "$data" ]; then
    data=$(mktemp -d)
    trap 'rm -rf "$data"' EXIT
fi
mkdir -p "$data"
raster=""
rates=""
offset=0
tics=""
colors=('#7b2cbf' '#1b998b' '#e76f51' '#264653' '#f4a261' '#2a9d8f')
k=0
for f in "${files[@]}"; do
    pop=$(basename "$f" .npy)
    pop=${pop#spikes_}
    c=${colors[$((k % ${#colors[@]}))]}
    k=$((k + 1))
    n=1
    for kv in $sizes; do [ "${kv%%=*}" = "$pop" ] && n=${kv#*=}; done
    if [ "$(stat -c %s "$f")" -gt 128 ]; then
        raster+="${raster:+, }'$f' binary skip=128 format='%float64%uint32' using 1:(\$2 < $max ? \$2 + $offset : 1/0) with points pt 7 ps 0.15 lc rgb '$c' notitle"
        rates+="${rates:+, }'$data/rate_$pop.dat' using 1:2 with steps lw 1.5 lc rgb '$c' title '$pop'"
    fi
    # every 5 ms bin of [0, tmax), spikes at tmax into the last one; empty bins are 0 Hz
    /usr/bin/python3 - "$f" "$n" "$tmax" "$data/rate_$pop.dat" <<'PY'
import math, sys
import numpy as np
f, n, tmax, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = np.fromfile(f, dtype=np.dtype([("t", "<f8"), ("i", "<u4")]), offset=128)["t"]
end = float(tmax) if tmax != "*" else (float(t.max()) if t.size else 0.0)
nb = max(1, math.ceil(end / 5.0 - 1e-9))
b = np.minimum((t // 5.0).astype(np.int64), nb - 1) if t.size else np.zeros(0, np.int64)
counts = np.bincount(b[b >= 0], minlength=nb)[:nb]
rate = counts * (1000.0 / 5.0 / max(n, 1))
with open(out, "w") as fo:
    for k in range(nb):
        fo.write("%g %.17g\n" % (5.0 * k, rate[k]))
    fo.write("%g %.17g\n" % (max(end, 5.0 * nb), rate[nb - 1]))
PY
    tics+="${tics:+, }\"$pop\" $((offset + max / 2))"
    offset=$((offset + max))
done
[ "$png" = "-" ] && exit 0
gnuplot <<GP
set terminal pngcairo size 1100,750 noenhanced font ",11"
set output '$png'
set xrange [0:$tmax]
set multiplot layout 2,1 title "$(basename "$(dirname "$dir")")/$(basename "$dir")"
set size 1,0.68
set origin 0,0.30
set lmargin 10
set ylabel 'neuron (first $max per population)'
set ytics ($tics)
set yrange [0:$offset]
set format x ''
plot $raster
set size 1,0.30
set origin 0,0
set format x '%g'
set xlabel 'time (ms)'
set ylabel 'rate (Hz, 5 ms bins)'
set ytics auto
set yrange [0:*]
set key top right horizontal
plot $rates
unset multiplot
GP
