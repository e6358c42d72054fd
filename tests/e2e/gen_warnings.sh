#!/usr/bin/env bash
# The generated C compiles without warnings under -Wall -Wextra (users compile and read it):
# every shipped model in the option sets its tests and benchmarks use, the docs' examples
# and the CUDA test models (tests/cuda/*.lua: every feature the back ends lower), with the
# C back end (plain and --mpi: mpicc -DSNN_MPI=1) and the CUDA back end's host half
# (<model>.c, compiled by the C compiler).  Sources only (-S), compiled at -O0 with -Werror
# and snncc's other flags (not -fsyntax-only: gcc reports unused static functions and
# variables only when it compiles), so the front end's warnings (unused variables,
# parameters and statics, comparisons always false, ...) fail here, naming file and warning.
set -euo pipefail
INC="$(dirname "$(dirname "$SNNCC")")/include/snncc"
CFLAGS=(-c -o /dev/null -O0 -Wall -Wextra -Werror -march=native -fno-math-errno
        -fno-trapping-math -ffp-contract=off -fopenmp -I"$INC")
have_mpicc=1
command -v mpicc >/dev/null || have_mpicc=0

# "back end options | model options | model": every line must generate
cases=$(cat <<'EOF'
|| models/brunel.lua
|| models/coba.lua
|| models/lif_single.lua
|-D N_scale=0.03 -D K_scale=0.1| models/microcircuit.lua
|| models/microcircuit.lua
|-D scale=0.2| models/hpc_benchmark.lua
|-D scale=0.2 -D plastic=1| models/hpc_benchmark.lua
|| models/topographic_map.lua
|-D conn_bound=1| models/topographic_map.lua
|-D rewire=0 -D stdp=1| models/topographic_map.lua
|| models/eprop_classifier.lua
|-D alif=0 -D recurrent=0| models/eprop_classifier.lua
|-D deepr=1 -D p_in=0.1 -D p_rec=0.1| models/eprop_classifier.lua
|-D batch=4| models/eprop_classifier.lua
|-D deepr=1 -D batch=4 -D p_in=0.1 -D p_rec=0.1| models/eprop_classifier.lua
|-D record_every=10 -D record_w=1 -D record_l=1 -D record_state=1 -D random_feedback=1 -D rec_autapses=1| models/eprop_classifier.lua
--mpi|| models/brunel.lua
--mpi|-D scale=0.2 -D plastic=1| models/hpc_benchmark.lua
--mpi|| models/topographic_map.lua
--mpi|-D deepr=1 -D p_in=0.1 -D p_rec=0.1| models/eprop_classifier.lua
--mpi|-D batch=4| models/eprop_classifier.lua
-b cuda|| models/brunel.lua
-b cuda|-D N_scale=0.03 -D K_scale=0.1| models/microcircuit.lua
-b cuda|-D scale=0.2 -D plastic=1| models/hpc_benchmark.lua
-b cuda|| models/topographic_map.lua
-b cuda|-D deepr=1 -D p_in=0.1 -D p_rec=0.1| models/eprop_classifier.lua
-b cuda|-D batch=4| models/eprop_classifier.lua
-b cuda --mpi|| models/brunel.lua
-b cuda --mpi|-D batch=4| models/eprop_classifier.lua
EOF
)
for m in docs/examples/*.lua tests/cuda/*.lua; do
    case $m in
    docs/examples/connectome.lua) continue ;; # its data comes from connectome_data.py
    esac
    cases+=$'\n'"|| $m"$'\n'"-b cuda|| $m"
done
# the CUDA test models made for --mpi, and two features' models under --mpi
for m in tests/cuda/custom_mpi.lua tests/cuda/plastic_mpi.lua tests/cuda/rewire_mpi.lua \
         tests/cuda/learn_addto.lua tests/cuda/features.lua; do
    cases+=$'\n'"--mpi|| $m"$'\n'"-b cuda --mpi|| $m"
done

n=0
i=0
while IFS='|' read -r be defs model; do
    [ -n "$model" ] || continue
    i=$((i + 1))
    out="$WORK/g$i"
    rm -rf "$out"
    # shellcheck disable=SC2086
    if ! "$SNNCC" -S $be $defs $model -o "$out" >"$WORK/snncc.log" 2>&1; then
        cat "$WORK/snncc.log"
        echo "FAIL: snncc -S $be $defs $model did not generate"
        exit 1
    fi
    cc=cc
    mpi=()
    case " $be " in
    *" --mpi "*)
        [ "$have_mpicc" = 1 ] || continue
        cc=mpicc
        mpi=(-DSNN_MPI=1) ;;
    esac
    for f in "$out"/*.c; do
        if ! $cc "${CFLAGS[@]}" "${mpi[@]}" "$f" 2>"$WORK/cc.log"; then
            grep -E "warning|error" "$WORK/cc.log" | head -20
            echo "FAIL: $cc -Wall -Wextra on the C of snncc -S $be $defs $model ($(basename "$f"))"
            exit 1
        fi
        n=$((n + 1))
    done
done <<<"$cases"
[ "$n" -ge 70 ] || { echo "FAIL: only $n files compiled"; exit 1; }
echo "no warnings in $n generated C files (-Wall -Wextra)"
