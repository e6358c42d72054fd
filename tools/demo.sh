#!/usr/bin/env bash
# tools/demo.sh - `make demo`: compile models/brunel.lua, simulate one second of
# biological time, print the summary (rates, spike counts, timers, outputs) and draw a
# raster plot with gnuplot.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SNNCC="$BUILD/bin/snncc"
OUT="$BUILD/brunel"

echo "== snncc models/brunel.lua -o $OUT"
"$SNNCC" models/brunel.lua -o "$OUT"
echo
echo "== $OUT/brunel --time 1000 --output $OUT/out"
"$OUT/brunel" --time 1000 --output "$OUT/out"
echo
PNG="$OUT/out/raster.png"
tools/raster.sh "$OUT/out" "$PNG"
echo "raster plot: $PNG"
