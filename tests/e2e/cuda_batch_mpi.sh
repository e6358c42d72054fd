#!/usr/bin/env bash
# Batch lanes over MPI ranks on the CUDA back end (docs/cuda.md "Batch lanes over ranks"):
# a batched model built with -b cuda --mpi runs the single-process code on every rank and
# the MPI runtime splits the lanes as for the C back end (rank r the batch's lanes after
# rank r - 1's, uneven shares allowed).  In the CPU emulation (no GPU), against the C back
# end:
#   - batch_model.sh's model (draws in neuron and synapse code, noise and Poisson sources,
#     plasticity), B = 3 on 1, 2 and 3 ranks: every lane's spikes and state recordings,
#     run.json's per-lane spike counts and final checksums = one C process's and the C
#     --mpi run's;
#   - batch_sum / batch_max over terms spanning 40 orders of magnitude (batch_mpi.sh's
#     model), B = 4 on 2 and 3 ranks: bitwise one process's (every rank's terms gathered and
#     added in lane order); each rank reducing its own lanes on its device is caught;
#   - tests/cuda/batch_cu.lua (a softmax, batch reductions, updates held once that draw, a
#     group whose lanes run in turn: the pass as another rank's last lane; double on 2
#     ranks, float on 3; Use's shared s made per lane): every lane's files = one C
#     process's; the update held once skipped in that pass and its draws keyed by the rank's
#     last lane are caught; the original (s shared, written lane after lane) is refused on
#     2 ranks with the update, variable and line;
#     tests/cuda/batch_cusyn.lua (sparse: batch reductions over synapses, Adam per lane,
#     synapse recordings; Turn's shared s made per lane) on 2 ranks: every lane's files =
#     one C process's;
#   - the training loop: train_batch.sh's delta rule (B = 4) on 3 ranks and the e-prop
#     classifier (eprop_adam{ batch = true }, B = 4) on 2 ranks: metrics.csv and every saved
#     variable = one C process's;
#   - a data set outside the training loop (batch.sh's probe model) on 3 ranks = one C
#     process's; a checkpoint written on 2 ranks restored on 1 and 4 ranks = uninterrupted;
#   - nvcc -arch=sm_90 compiles the batched --mpi .cu without warnings.
# (The refusal of connectivity updates: tests/errors/batch_rewire_cuda_mpi.lua.)
# test: weight 2
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/mpi.sh
source tests/lib/cuda_emu.sh # emu_build_lanes_mpi, emu_same_lanes
source tests/lib/batch_model.sh # batch_model, concat
source tests/lib/delta.sh # delta_batch_model, delta_data, delta_batch_config
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
W="$WORK"

# --- 1. batch_model.sh's model, 3 lanes over 1, 2 and 3 ranks ----------------------------------
batch_model 3 >"$W/m.lua"
"$SNNCC" -q "$W/m.lua" -o "$W/s1"
"$SNNCC" -q --mpi "$W/m.lua" -o "$W/sm"
emu_build_lanes_mpi "$W/m.lua" "$W/em"
F="spikes_S.npy spikes_E.npy spikes_I.npy E_V.npy"
"$W/s1/bt" --time 40 --quiet --output "$W/one"
for np in 1 2 3; do
    "${MPIRUN[@]}" -np $np "$W/em/emu" --time 40 --quiet --output "$W/e$np"
    emu_same_lanes "$W/one" "$W/e$np" 3 "$F" || fail "batch model, $np ranks: not one process's"
    [ ! -e "$W/e$np/.rank1" ] || fail "$np ranks: stray directories"
done
"${MPIRUN[@]}" -np 2 "$W/sm/bt" --time 40 --quiet --output "$W/c2"
emu_same_lanes "$W/c2" "$W/e2" 3 "$F" || fail "batch model, 2 ranks: not the C --mpi run's"
ok "batch model, 3 lanes on 1, 2, 3 ranks: every lane one C process's and the C --mpi run's"

# --- 2. batch reductions: every rank's terms in lane order ----------------------------------
sed -n '/^cat >r.lua <<.LUA.$/,/^LUA$/p' tests/e2e/batch_mpi.sh | sed '1d;$d' >"$W/r.lua"
grep -q 'batch_sum' "$W/r.lua" || fail "batch_mpi.sh's reduction model not found"
"$SNNCC" -q "$W/r.lua" -o "$W/r1"
"$W/r1/red" --time 60 --quiet --output "$W/red1" --set custom_updates.G.every=1
same_red() { # DIR: every lane's x, y (the batch sum), z (the batch max) one process's
    local d v
    for d in "" lane1/ lane2/ lane3/; do
        for v in x y z; do
            cmp -s "$W/red1/${d}P_$v.npy" "$1/${d}P_$v.npy" || { echo "${d}P_$v differs"; return 1; }
        done
    done
}
emu_build_lanes_mpi "$W/r.lua" "$W/re"
grep -q 'snn_cu_lanes_reduce(run, [01], snn_t, SNN_N_P, 0, snn_v' "$W/re/gen/red.cu" ||
    fail "the batch sum is not reduced over the ranks"
for np in 2 3; do
    "${MPIRUN[@]}" -np $np "$W/re/emu" --time 60 --quiet --output "$W/red$np" --set custom_updates.G.every=1
    same_red "$W/red$np" || fail "batch reductions on $np ranks: not one process's"
done
ok "batch_sum / batch_max, 4 lanes on 2 and 3 ranks (2 + 1 + 1): bitwise one process's"
FAULT='s/if (snn_lanes_split(run))/if (0)/' emu_build_lanes_mpi "$W/r.lua" "$W/rf"
"${MPIRUN[@]}" -np 2 "$W/rf/emu" --time 60 --quiet --output "$W/redf" --set custom_updates.G.every=1
! same_red "$W/redf" >/dev/null || fail "each rank reducing its own lanes went unnoticed"
ok "a fault (each rank's lanes reduced on its device alone) is caught"

# --- 3. custom updates over neurons and synapses, groups in turn, on 2 ranks ------------------
# batch_cu.lua as batch_mpi.sh runs it: Use's s per lane (a shared s written lane after lane
# is refused when the lanes are split), Once drawing: Mom and Once, held once, draw the
# numbers of the batch's last lane on every rank (the kernel's snn_klane), Once also in the
# pass as that lane of a rank without it
CF="Out_V.npy Out_pi.npy Out_G.npy Out_U.npy GSum_k.npy Use_c.npy"
RO="--set params.Use.eta=0.02"
sed -e 's/s = { init = 0.0, shared = true } },.*$/s = 0.0 },/' \
    -e 's/code = "r = r + m;"/code = "r = r + m + 0.01 * uniform();"/' tests/cuda/batch_cu.lua >"$W/cu.lua"
grep -q 'r + m + 0.01 \* uniform' "$W/cu.lua" && grep -q 'c = 0.0, s = 0.0 },' "$W/cu.lua" ||
    fail "batch_cu.lua's variant not made"
"$SNNCC" -q "$W/cu.lua" -o "$W/cu1"
emu_build_lanes_mpi "$W/cu.lua" "$W/cue"
# shellcheck disable=SC2086
"$W/cu1/bcu" --time 30 --quiet --output "$W/cu_c" $RO
# shellcheck disable=SC2086
"${MPIRUN[@]}" -np 2 "$W/cue/emu" --time 30 --quiet --output "$W/cu_e" $RO
emu_same_lanes "$W/cu_c" "$W/cu_e" 3 "$CF" || fail "batch_cu.lua, 2 ranks: not one C process's"
# float: the sums rounded to float on the host (3 ranks: 1 lane each)
"$SNNCC" -q -D float=1 "$W/cu.lua" -o "$W/cu1f"
emu_build_lanes_mpi "$W/cu.lua" "$W/cuef" -D float=1
"$W/cu1f/bcu" --time 30 --quiet --output "$W/cuf_c"
"${MPIRUN[@]}" -np 3 "$W/cuef/emu" --time 30 --quiet --output "$W/cuf_e"
emu_same_lanes "$W/cuf_c" "$W/cuf_e" 3 "$CF" || fail "batch_cu.lua float, 3 ranks: not one C process's"
FAULT='s/(step, snn_ol, /(step, snn_l, /' emu_build_lanes_mpi "$W/cu.lua" "$W/cuf"
grep -q '(step, snn_l, snn_lane_batch_last(run)); });' "$W/cuf/gen/emu.cc" || fail "fault not made"
# shellcheck disable=SC2086
"${MPIRUN[@]}" -np 2 "$W/cuf/emu" --time 30 --quiet --output "$W/cu_f" $RO
! emu_same_lanes "$W/cu_c" "$W/cu_f" 3 "$CF" >/dev/null ||
    fail "the update held once skipped in the pass as the batch's last lane went unnoticed"
# the draws of the rank's own last lane (before issue 13's fix)
FAULT='s/snn_lane_batch_last(run)/run->lane_offset + snn_nlane - 1u/' \
    emu_build_lanes_mpi "$W/cu.lua" "$W/cuk"
# shellcheck disable=SC2086
"${MPIRUN[@]}" -np 2 "$W/cuk/emu" --time 30 --quiet --output "$W/cu_k" $RO
! emu_same_lanes "$W/cu_c" "$W/cu_k" 3 "$CF" >/dev/null ||
    fail "draws held once keyed by the rank's last lane went unnoticed"
# refused: a shared variable written by a per-lane update, lane after lane (the host half's
# model_init, as the C back end's)
emu_build_lanes_mpi tests/cuda/batch_cu.lua "$W/cur"
if "${MPIRUN[@]}" -np 2 "$W/cur/emu" --time 30 --quiet --output "$W/cu_r" 2>"$W/err"; then
    fail "batch_cu.lua (a shared variable written lane after lane) ran on 2 ranks"
fi
grep -q "batch_cu.lua:43: custom update 'Use' (group 'Turn') writes its variable 's' (shared = true), held once .* this run has 3 lanes on 2 MPI ranks: run on one rank" "$W/err" ||
    { cat "$W/err"; fail "batch_cu.lua on 2 ranks: message"; }
SF="spikes_S.npy spikes_P.npy spikes_Q.npy P_V.npy P_E.npy Q_V.npy SP_w.npy SP_g.npy SQ_w.npy Adam_m.npy Sum_G.npy"
RS="--set params.Adam.lr=0.02"
# batch_cusyn.lua's Turn writes its shared s lane after lane (refused on 2 ranks): s per lane
sed -e 's/vars = { s = { init = 0.0, shared = true }, q = 0.0 },/vars = { s = 0.0, q = 0.0 },/' \
    tests/cuda/batch_cusyn.lua >"$W/cs.lua"
grep -q 'vars = { s = 0.0, q = 0.0 },' "$W/cs.lua" || fail "batch_cusyn.lua's variant not made"
"$SNNCC" -q "$W/cs.lua" -D dense=0 -o "$W/cs1"
emu_build_lanes_mpi "$W/cs.lua" "$W/cse" -D dense=0
grep -q 'snn_cu_lanes_reduce(run, [0-9]*, snn_t, (uint64_t)snn_rr.capacity' "$W/cse/gen/bcs.cu" ||
    fail "the synapses' batch sum is not reduced over the ranks"
# shellcheck disable=SC2086
"$W/cs1/bcs" --time 30 --quiet --output "$W/cs_c" $RS
# shellcheck disable=SC2086
"${MPIRUN[@]}" -np 2 "$W/cse/emu" --time 30 --quiet --output "$W/cs_e" $RS
emu_same_lanes "$W/cs_c" "$W/cs_e" 3 "$SF" || fail "batch_cusyn.lua, 2 ranks: not one C process's"
ok "custom updates over neurons and synapses on 2 and 3 ranks: every lane one C process's; the held-once faults are caught"

# --- 4. the training loop ------------------------------------------------------------------------
(
    cd "$W"
    delta_batch_model >delta.lua
    delta_data 11 7
    delta_batch_config | sed 's/evaluate_every: 2/evaluate_every: 1/' >t.yaml # every epoch
    "$SNNCC" -q delta.lua -D batch=4 -o d1
    d1/delta --config t.yaml --output t1 --quiet --set train.save.dir=w1
)
emu_build_lanes_mpi "$W/delta.lua" "$W/de" -D batch=4
(
    cd "$W"
    "${MPIRUN[@]}" -np 3 de/emu --config t.yaml --output t3 --quiet --set train.save.dir=w3
    [ "$(wc -l <t1/metrics.csv)" -eq 4 ] || fail "metrics.csv: $(cat t1/metrics.csv)"
    cmp <(cut -d, -f1-5 t1/metrics.csv) <(cut -d, -f1-5 t3/metrics.csv) || fail "delta, 3 ranks: metrics differ"
    cmp w1/InOut_w.npy w3/InOut_w.npy || fail "delta, 3 ranks: weights differ"
)
ok "training, delta rule, batch 4 on 3 ranks: metrics and weights one C process's"
M="$PWD/models/eprop_classifier.lua"
EP=(-D inputs=5 -D classes=3 -D hidden=8 -D lr=0.01 -D batch=4)
sed -e 's#/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz#trainset#' \
    -e 's#/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz#testset#' \
    -e 's#epochs: 10#epochs: 2#' -e 's#dir: fm_weights#dir: we#' \
    -e 's/batch_end: \[Learn\]/batch_end: [GradSum, Learn]/' \
    -e '/^datasets:/,$d' models/eprop_fmnist.yaml >"$W/e.yaml"
echo 'datasets: { In: { example_steps: 12 } }' >>"$W/e.yaml"
grep -q 'batch_end: \[GradSum, Learn\]' "$W/e.yaml" || fail "eprop_fmnist.yaml: no batch_end"
"$SNNCC" -q "$M" "${EP[@]}" -o "$W/e1"
emu_build_lanes_mpi "$M" "$W/ee" "${EP[@]}"
(
    cd "$W"
    e1/eprop_classifier --config e.yaml --output eo1 --quiet --set train.save.dir=we1
    [ "$(grep -c complete eo1/metrics.csv)" -eq 2 ] || fail "e-prop: $(cat eo1/metrics.csv)"
    "${MPIRUN[@]}" -np 2 ee/emu --config e.yaml --output eo2 --quiet --set train.save.dir=we2
    cmp <(cut -d, -f1-5 eo1/metrics.csv) <(cut -d, -f1-5 eo2/metrics.csv) || fail "e-prop, 2 ranks: metrics differ"
    n=0
    set +f
    for f in we1/*.npy; do
        cmp "$f" "we2/$(basename "$f")" || fail "e-prop, 2 ranks: $(basename "$f") differs"
        n=$((n + 1))
    done
    [ $n -eq 4 ] || fail "e-prop: $n saved variables"
)
ok "training, e-prop (batch-summed gradients, Adam), batch 4 on 2 ranks: metrics and weights one C process's"

# --- 5. a data set outside the training loop; checkpoints --------------------------------------
sed -n '/^cat >"\$WORK\/ds.lua"/,/^LUA$/p' tests/e2e/batch.sh | sed '1d;$d' >"$W/ds.lua"
grep -q spike_source_dataset "$W/ds.lua" || fail "batch.sh's data-set model not found"
"$SNNCC" -q "$W/ds.lua" -o "$W/ds1"
emu_build_lanes_mpi "$W/ds.lua" "$W/dse"
(
    cd "$W"
    DS=(--time 60 --quiet --set datasets.In.file=trainset --set datasets.In.example_time=12
        --set datasets.In.order=shuffle)
    ds1/dsin "${DS[@]}" --output dso1
    "${MPIRUN[@]}" -np 3 dse/emu "${DS[@]}" --output dso3
    for d in "" lane1/ lane2/ lane3/; do
        for f in spikes_In P_L P_X P_C; do
            cmp -s "dso1/$d$f.npy" "dso3/$d$f.npy" || fail "data set, 3 ranks: $d$f differs"
        done
    done
)
ok "data-set examples per lane on 3 ranks (2 + 1 + 1 lanes) = one C process's"
batch_model 4 >"$W/m4.lua"
emu_build_lanes_mpi "$W/m4.lua" "$W/em4"
run() { local np=$1; shift; "${MPIRUN[@]}" -np "$np" "$W/em4/emu" --quiet "$@"; }
run 2 --time 100 --output "$W/full"
run 2 --time 60 --output "$W/a" --set checkpoint.dir="$W/ck" --set checkpoint.every_steps=500
grep -q '"lane_first": \[0, 2\],' "$W/ck/manifest.json" || fail "the manifest has no lane split"
for np in 1 4; do
    run $np --time 100 --output "$W/b$np" --restore "$W/ck"
    concat "$W/full" - "$W/b$np" 50 || fail "checkpoint of 2 ranks restored on $np ranks differs"
done
ok "4 lanes: a checkpoint of 2 ranks restored on 1 and 4 ranks = uninterrupted"

# --- 6. nvcc -arch=sm_90 ----------------------------------------------------------------------
if [ -x "${NVCC:-/usr/local/cuda/bin/nvcc}" ] || command -v nvcc >/dev/null; then
    NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
    # shellcheck disable=SC2086
    "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings \
        -DSNN_MPI_LANES=1 -I"$RT/include/snncc" -c "$W/cue/gen/bcu.cu" -o "$W/bcu_sm90.o"
    ok "nvcc sm_90: the batched --mpi .cu with custom updates compiles without warnings"
    # snncc's own build: the device half and the host half with SNN_MPI_LANES (not
    # SNN_MPI: the single-process code), linked by mpicc against libsnnrt_mpi.a
    "$SNNCC" -q --keep -b cuda --mpi --nvcc-flags "$EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90" \
        "$W/r.lua" -o "$W/nv_red"
    grep -q -- "-DSNN_MPI_LANES=1" "$W/nv_red/Makefile" && ! grep -q -- "-DSNN_MPI=1" "$W/nv_red/Makefile" &&
        grep -q "libsnnrt_mpi.a" "$W/nv_red/Makefile" || fail "the Makefile does not build lanes over ranks"
    nm "$W/nv_red/red" >"$W/nv_red/nm.txt"
    grep -q "MPI_Allgatherv" "$W/nv_red/nm.txt" || fail "not linked with MPI"
    ok "snncc -b cuda --mpi builds the batched simulator (SNN_MPI_LANES, mpicc, libsnnrt_mpi.a)"
else
    echo "SKIP nvcc: not installed"
fi
