#!/usr/bin/env bash
# tools/raster.sh OUTDIR PNG [MAX_IDS] - raster plot of the spikes_*.npy files in OUTDIR
# (first MAX_IDS neurons of each population, default 100, stacked) above the population
# rates in 5 ms bins, drawn by gnuplot.  The .npy files have a fixed 128-byte header
# followed by (float64 t, uint32 i) records, which gnuplot reads as binary.
set -euo pipefail
dir=$1
png=$2
max=${3:-100}
command -v gnuplot >/dev/null || { echo "raster.sh: gnuplot is not installed (ci/install-deps)" >&2; exit 1; }
files=()
for f in "$dir"/spikes_*.npy; do
    [ -e "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { echo "raster.sh: no spikes_*.npy in $dir" >&2; exit 1; }
# population sizes and the duration from run.json (for rates in Hz and the time axis)
read -r tmax sizes < <(/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["run"]["duration_ms"], " ".join("%s=%d" % (p["name"], p["size"]) for p in r["populations"]))' "$dir/run.json" 2>/dev/null || echo "*")
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
        rates+="${rates:+, }'$f' binary skip=128 format='%float64%uint32' using (floor(\$1 / 5.0) * 5.0 + 2.5):(1000.0 / 5.0 / $n) smooth frequency with steps lw 1.5 lc rgb '$c' title '$pop'"
    fi
    tics+="${tics:+, }\"$pop\" $((offset + max / 2))"
    offset=$((offset + max))
done
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
