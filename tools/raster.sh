#!/usr/bin/env bash
# tools/raster.sh OUTDIR PNG [MAX_IDS] - raster plot of the spikes_*.npy files in OUTDIR
# (first MAX_IDS neurons of each population, default 200, stacked) drawn by gnuplot.
# The .npy files have a fixed 128-byte header followed by (float64 t, uint32 i) records.
set -euo pipefail
dir=$1
png=$2
max=${3:-200}
command -v gnuplot >/dev/null || { echo "raster.sh: gnuplot is not installed (ci/install-deps)" >&2; exit 1; }
files=()
for f in "$dir"/spikes_*.npy; do
    [ -e "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { echo "raster.sh: no spikes_*.npy in $dir" >&2; exit 1; }
plot=""
offset=0
tics=""
for f in "${files[@]}"; do
    pop=$(basename "$f" .npy)
    pop=${pop#spikes_}
    size=$(stat -c %s "$f")
    if [ "$size" -le 128 ]; then
        offset=$((offset + max))
        continue
    fi
    [ -n "$plot" ] && plot+=", "
    plot+="'$f' binary skip=128 format='%float64%uint32' using 1:(\$2 < $max ? \$2 + $offset : 1/0) with dots lw 2 title '$pop'"
    tics+="${tics:+, }\"$pop\" $((offset + max / 2))"
    offset=$((offset + max))
done
gnuplot <<GP
set terminal pngcairo size 1000,600 noenhanced
set output '$png'
set xlabel 'time (ms)'
set ylabel 'neuron (first $max of each population)'
set ytics ($tics)
set yrange [0:$offset]
set key outside
plot $plot
GP
