#!/usr/bin/env bash
# ci/bench.sh - continuous benchmarking: runs ci/bench-suite.yaml on the current commit,
# appends the records to the store, then compares them with the stored records of the
# parent commit on the same machine.  Exit status: 0 (no regression, or no baseline
# yet), 1 (a cell is significantly slower than the threshold), 2 (usage or run errors).
# Knobs: SNNBENCH_STORE (default bench-store), BASE (commit to compare against, default
# HEAD^), THRESHOLD (default 5%), SUITE (default ci/bench-suite.yaml), BUILD (build).
# Not called by .ci/run: shared CI runners are too noisy for timings (docs/benchmarking.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
STORE=${SNNBENCH_STORE:-bench-store}
SUITE=${SUITE:-ci/bench-suite.yaml}
THRESHOLD=${THRESHOLD:-5%}
SB="$BUILD/bin/snnbench"
[ -x "$SB" ] || make -s BUILD="$BUILD" all
head=${SNNBENCH_COMMIT:-$(git rev-parse --short=12 HEAD)}
base=$(git rev-parse --short=12 "${BASE:-HEAD^}" 2>/dev/null || echo "${BASE:-}")
machine=${SNNBENCH_MACHINE:-$(hostname)}
export SNNBENCH_MACHINE="$machine"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "ci/bench.sh: warning: the work tree has changes; records are filed under $head (dirty: true)" >&2
fi
rc=0
"$SB" run "$SUITE" --store "$STORE" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "ci/bench.sh: some cells failed (see above)" >&2
    exit 2
fi
suite=$(sed -n 's/^suite:[[:space:]]*//p' "$SUITE" | head -n 1)
sel="machine=$machine,suite=$suite,status=ok"
if [ -z "$base" ] ||
    [ "$("$SB" ls --store "$STORE" --csv --columns rep "commit=$base" "machine=$machine" "suite=$suite" status=ok | wc -l)" -le 1 ]; then
    echo "ci/bench.sh: no baseline records for ${base:-the parent commit} on $machine; stored $head's, nothing to compare"
    exit 0
fi
exec "$SB" compare --store "$STORE" --threshold "$THRESHOLD" "commit=$base,$sel" "commit=$head,$sel"
