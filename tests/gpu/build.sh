#!/usr/bin/env bash
# tests/gpu/build.sh OUT [HOST_CFLAGS]: build the simulators of the GPU suite (cases.txt)
# with both back ends into OUT/sims/<case>/{c,cuda}, and snn-compare into OUT/bin.  Needs
# snncc, a C compiler and nvcc, not a GPU.  HOST_CFLAGS replaces the C flags of both (the
# bundle uses portable ones; the default -march=native binaries may not run elsewhere).
set -euo pipefail
set -f # options such as --cuda-span *=pre
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }
cd "$(dirname "$0")/../.."
OUT=$1
HOST_CFLAGS=${2:-}
SNNCC=${SNNCC:-$PWD/build/bin/snncc}
mkdir -p "$OUT/sims" "$OUT/bin"
cp tests/gpu/cases.txt "$OUT/cases.txt"
cc -O2 -static -o "$OUT/bin/snn-compare" tools/snn_compare.c -lm 2>/dev/null ||
    cc -O2 -o "$OUT/bin/snn-compare" tools/snn_compare.c -lm
: >"$OUT/jobs"
while IFS='|' read -r name model sopts _; do
    name=$(trim "$name")
    case "$name" in '' | '#'*) continue ;; esac
    model=$(trim "$model")
    for be in c cuda; do
        echo "$OUT/sims/$name/$be|$be|$model|$sopts" >>"$OUT/jobs"
    done
done <tests/gpu/cases.txt
export SNNCC HOST_CFLAGS
# two at a time; each job: snncc -b BACKEND [options] MODEL -o DIR
# shellcheck disable=SC2016
tr '\n' '\0' <"$OUT/jobs" | xargs -0 -P 2 -n 1 bash -c '
    set -f
    IFS="|" read -r dir be model sopts <<<"$0"
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    if [ -n "$HOST_CFLAGS" ]; then
        "$SNNCC" -q -b "$be" $sopts --cflags "$HOST_CFLAGS" "$model" -o "$dir" >"$dir.log" 2>&1
    else
        "$SNNCC" -q -b "$be" $sopts "$model" -o "$dir" >"$dir.log" 2>&1
    fi || { echo "FAILED: $be $model ($dir.log)"; cat "$dir.log"; exit 255; }
    echo "built $dir"'
