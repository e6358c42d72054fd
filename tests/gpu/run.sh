#!/usr/bin/env bash
# tests/gpu/run.sh DIR [--rerun-c]: the GPU suite.  Runs every case's CUDA simulator
# (DIR/sims/<case>/cuda) into DIR/results/<case>/cuda and compares it with the C back
# end's results (DIR/expected/<case>, from expect.sh; with --rerun-c the C simulators run
# here first) as cases.txt says.  Needs only bash, the CUDA driver and the binaries, so it
# is also the test script of the bundle (tools/gpu-bundle.sh).  Skips, with a SKIP line
# and status 0, when there is no GPU (nvidia-smi fails).
set -uo pipefail
set -f
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }
DIR=$(cd "$1" && pwd)
RERUN_C=${2:-}
if ! nvidia-smi -L >/dev/null 2>&1; then
    echo "SKIP: no GPU (nvidia-smi fails); the GPU suite needs an NVIDIA GPU and its driver"
    exit 0
fi
nvidia-smi -L
CMP="$DIR/bin/snn-compare"
pass=0
fail=0
failed=()
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
while IFS='|' read -r name _ sopts ropts how; do
    name=$(trim "$name")
    case "$name" in '' | '#'*) continue ;; esac
    launch=() # --mpi cases: both simulators under mpirun (one rank per GPU)
    case " $sopts " in
    *" --mpi "*)
        if ! command -v mpirun >/dev/null; then
            printf '  SKIP  gpu/%s (no mpirun here)\n' "$name"
            continue
        fi
        launch=(mpirun --oversubscribe -np "${GPU_RANKS:-2}") ;;
    esac
    how=$(trim "$how")
    res="$DIR/results/$name"
    rm -rf "$res"
    mkdir -p "$res"
    exp="$DIR/expected/$name"
    if [ -n "$RERUN_C" ] || [ ! -f "$exp/run.json" ]; then
        exp="$res/c"
        csim=$(find "$DIR/sims/$name/c" -maxdepth 1 -type f -perm -u+x | head -n 1)
        # shellcheck disable=SC2086
        "${launch[@]}" "$csim" $ropts --quiet --output "$exp" >"$res/c.log" 2>&1 </dev/null
    fi
    gsim=$(find "$DIR/sims/$name/cuda" -maxdepth 1 -type f -perm -u+x | head -n 1)
    # shellcheck disable=SC2086
    "${launch[@]}" "$gsim" $ropts --quiet --output "$res/cuda" >"$res/cuda.log" 2>&1 </dev/null
    st=$?
    # procedural projections: the rows the GPU regenerates must be the host's (cuda.json)
    if grep -q '"device_rows": "differ"' "$res/cuda/cuda.json" 2>/dev/null; then
        echo "procedural rows regenerated on the GPU differ from the host's (cuda.json)" >>"$res/cuda.log"
        st=3
    fi
    # sparse projections built on the GPU (the default): the same rows, entry by entry, as
    # a host build of the same run (SNN_CUDA_CONSTRUCT=check builds both and compares)
    if [ "$st" -eq 0 ] && grep -q '"built": "device"' "$res/cuda/cuda.json" 2>/dev/null; then
        # shellcheck disable=SC2086
        SNN_CUDA_CONSTRUCT=check "${launch[@]}" "$gsim" $ropts --time 1 --quiet \
            --output "$res/check" >"$res/check.log" 2>&1 </dev/null
        if ! grep -q '"built_check": "identical"' "$res/check/cuda.json" 2>/dev/null ||
            grep -q '"built_check": "differ"' "$res/check/cuda.json"; then
            echo "rows built on the GPU differ from a host build ($res/check)" >>"$res/cuda.log"
            st=4
        fi
    fi
    # shellcheck disable=SC2086
    if [ "$st" -eq 0 ] && "$CMP" $how "$exp" "$res/cuda" >"$res/compare.txt" 2>&1; then
        pass=$((pass + 1))
        printf '  ok    gpu/%s (%s)\n' "$name" "$how"
    else
        fail=$((fail + 1))
        failed+=("$name")
        printf '  FAIL  gpu/%s (%s; simulator exit %s; %s)\n' "$name" "$how" "$st" "$res"
        tail -n 20 "$res/cuda.log" "$res/compare.txt" 2>/dev/null | sed 's/^/        | /'
    fi
    sed 's/^/        /' "$res/compare.txt" 2>/dev/null | head -n 12
    "$CMP" show "$exp" 2>/dev/null | head -n 1 | sed 's/^/        C:    /'
    "$CMP" show "$res/cuda" 2>/dev/null | head -n 1 | sed 's/^/        CUDA: /'
done <"$DIR/cases.txt"
[ "$fail" -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
