#!/usr/bin/env bash
# tests/gpu/expect.sh OUT: run the C simulators of the GPU suite (built by build.sh) into
# OUT/expected/<case>, the results the GPU runs are compared with.  No GPU needed.
set -euo pipefail
set -f
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }
OUT=$1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
while IFS='|' read -r name _ sopts ropts _; do
    name=$(trim "$name")
    case "$name" in '' | '#'*) continue ;; esac
    launch=() # --mpi cases run under mpirun (GPU_RANKS ranks, default 2; stdin: the loop's)
    case " $sopts " in
    *" --mpi "*) launch=(mpirun --oversubscribe -np "${GPU_RANKS:-2}") ;;
    esac
    sim=$(find "$OUT/sims/$name/c" -maxdepth 1 -type f -perm -u+x | head -n 1)
    rm -rf "$OUT/expected/$name"
    # shellcheck disable=SC2086
    "${launch[@]}" "$sim" $ropts --quiet --output "$OUT/expected/$name" </dev/null
    echo "expected/$name: $(grep -m 1 -o '"simulation_s": [0-9.e+-]*' "$OUT/expected/$name/run.json")"
done <"$OUT/cases.txt"
