#!/usr/bin/env bash
# Batch lanes over MPI ranks (docs/parallel.md "Batch lanes over ranks"): a batched model
# built with --mpi runs the whole network on every rank and splits the lanes, rank r the
# batch's lanes after rank r - 1's (uneven shares allowed).  Checked against the
# single-process simulator (built without --mpi):
#   - batch.sh's model (draws in neuron and synapse code, noise and Poisson sources,
#     plasticity and per-synapse dynamics) with B = 4 on 1, 2 and 4 ranks: every lane's
#     spikes and state recordings byte-identical (lane 0 at the top, lane b in lane<b>/,
#     written by the rank holding the lane), run.json's per-lane spikes and final
#     checksums and the populations' totals equal;
#   - batch_sum / batch_max over terms spanning 40 orders of magnitude, read back by a
#     per-lane update: bitwise on 2 and 3 ranks (uneven shares: 2 + 1 + 1 lanes), equal
#     to NumPy's sum in lane order
#     ((t0 + t1) + t2) + t3 (and the test shows the pairwise (t0 + t1) + (t2 + t3) that
#     per-rank partial sums would give differs);
#   - tests/cuda/batch_cu.lua with updates held once that draw (one of them in a group whose
#     lanes run in turn, passing as the batch's last lane on a rank without it) on 2 and 3
#     ranks: every lane bitwise one process's; with a shared variable written by a per-lane
#     update (lane after lane) refused on 2 ranks with the update, variable and line;
#   - the training loop (train_batch.sh's delta-rule readout, B = 4: a batch_sum gradient,
#     a weight step held once, metrics) on 3 ranks and the e-prop classifier (-D batch=4,
#     eprop_adam{ batch = true }: gradients summed over the lanes, Adam on shared weights)
#     on 2 and 4 ranks: metrics.csv's values and every saved variable identical to one
#     process's;
#   - a data set fed outside the training loop (batch.sh's probe model, shuffled): every
#     lane's labels, example indices and inputs on 3 ranks = one process's;
#   - a batch smaller than the ranks is refused with the config's line and what to do.
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/batch_model.sh # batch_model
source tests/lib/delta.sh # delta_batch_model, delta_data, delta_batch_config
cd "$WORK"

# --- batch.sh's model, B = 4 -----------------------------------------------------------
batch_model 4 >m.lua
"$SNNCC" -q m.lua -o s1
"$SNNCC" -q --mpi m.lua -o sm
s1/bt --time 100 --quiet --output one
FILES="spikes_S.npy spikes_E.npy spikes_I.npy E_V.npy"
for np in 1 2 4; do
    "${MPIRUN[@]}" -np $np sm/bt --time 100 --quiet --output "r$np"
    for b in 0 1 2 3; do
        d=lane$b/
        [ $b -eq 0 ] && d=
        for f in $FILES; do
            cmp -s "one/$d$f" "r$np/$d$f" || fail "$np ranks: lane $b: $f differs"
        done
    done
    [ ! -e "r$np/lane4" ] && [ ! -e "r$np/.rank1" ] || fail "$np ranks: stray directories"
    $PY - one/run.json "r$np/run.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["run"]["batch"] == b["run"]["batch"], (a["run"]["batch"], b["run"]["batch"])
assert [p["spikes"] for p in a["populations"]] == [p["spikes"] for p in b["populations"]]
assert min(min(l["spikes"]) for l in a["run"]["batch"]["per_lane"]) > 0
PY
    ok "batch.sh's model, 4 lanes on $np ranks = one process"
done

# --- batch reductions: the lanes' order over the ranks -------------------------------------
cat >r.lua <<'LUA'
network { name = "red", dt = 1.0, seed = 5, precision = "double", batch = 4 }
local wide = neuron { name = "wide", vars = { x = 0.0, y = 0.0, z = 0.0 },
  sim = "scalar a = uniform(); scalar e = uniform(); x = (a < 0.5 ? -1.0 : 1.0) * exp(40.0 * e);" }
local P = population { "P", wide, 7 }
custom_update { name = "Sum", group = "G",
  vars = { s = { reduce = "batch_sum" }, m = { reduce = "batch_max" } },
  var_refs = { x = ref("P", "x") }, code = "s = x; m = x;" }
custom_update { name = "Back", group = "G",
  var_refs = { s = ref("Sum", "s"), m = ref("Sum", "m"), y = ref_rw("P", "y"), z = ref_rw("P", "z") },
  code = "y = s; z = m;" }
record { P = { "x", "y", "z" } }
LUA
"$SNNCC" -q r.lua -o r1
"$SNNCC" -q --mpi r.lua -o rm
r1/red --time 60 --quiet --output red1 --set custom_updates.G.every=1
$PY - red1 <<'PY'
import numpy as np, sys
d = sys.argv[1]
L = ["", "lane1/", "lane2/", "lane3/"]
g = lambda v: [np.load(f"{d}/{l}P_{v}.npy")["v"] for l in L]
X, Y, Z = g("x"), g("y"), g("z")
seq = ((X[0] + X[1]) + X[2]) + X[3]
mx = np.maximum(np.maximum(np.maximum(X[0], X[1]), X[2]), X[3])
# recorded before the step's group: the last lane reads this step's sum the next step,
# the lanes before it (in the group before the sum is complete) one step later
assert (Y[3][1:] == seq[:-1]).all() and (Z[3][1:] == mx[:-1]).all()
for b in range(3):
    assert (Y[b][2:] == seq[:-2]).all() and (Z[b][2:] == mx[:-2]).all(), b
pair = (X[0] + X[1]) + (X[2] + X[3])
n = int((pair != seq).sum())
assert n > 10, n  # per-rank partial sums would not be the sequential sum
print(f"batch_sum = lane-ordered sum; the pairwise sum differs in {n} of {seq.size}")
PY
for np in 2 3; do
    "${MPIRUN[@]}" -np $np rm/red --time 60 --quiet --output "red$np" --set custom_updates.G.every=1
    for d in "" lane1/ lane2/ lane3/; do
        for v in x y z; do
            cmp -s "red1/${d}P_$v.npy" "red$np/${d}P_$v.npy" || fail "$np ranks: ${d}P_$v differs"
        done
    done
    ok "batch_sum / batch_max on $np ranks bitwise one process's"
done

# --- custom updates over the lanes (tests/cuda/batch_cu.lua): updates held once that draw ----
# Mom (its group over all lanes at once) and Once (a group whose lanes run in turn) draw the
# numbers of the batch's last lane on every rank, also in the pass as that lane on a rank
# that does not hold it; Use's s made per lane (a shared s written lane after lane is
# refused below), Once drawing
CU="$OLDPWD/tests/cuda/batch_cu.lua"
sed -e 's/s = { init = 0.0, shared = true } },.*$/s = 0.0 },/' \
    -e 's/code = "r = r + m;"/code = "r = r + m + 0.01 * uniform();"/' "$CU" >cu.lua
grep -q 'r + m + 0.01 \* uniform' cu.lua && grep -q 'c = 0.0, s = 0.0 },' cu.lua ||
    fail "batch_cu.lua's variant not made"
"$SNNCC" -q cu.lua -o cu1
"$SNNCC" -q --mpi cu.lua -o cum
cu1/bcu --time 30 --quiet --output cuo1 --set params.Use.eta=0.02
for np in 2 3; do
    "${MPIRUN[@]}" -np $np cum/bcu --time 30 --quiet --output "cuo$np" --set params.Use.eta=0.02
    for d in "" lane1/ lane2/; do
        for f in Out_V Out_pi Out_G Out_U GSum_k Use_c; do
            cmp -s "cuo1/$d$f.npy" "cuo$np/$d$f.npy" || fail "batch_cu.lua, $np ranks: $d$f differs"
        done
    done
    ok "batch_cu.lua (updates held once drawing), 3 lanes on $np ranks: bitwise one process's"
done
# refused: a per-lane update writing a shared variable chains it through the lanes
"$SNNCC" -q --mpi "$CU" -o cur
"${MPIRUN[@]}" -np 1 cur/bcu --time 30 --quiet --output cur1 || fail "batch_cu.lua on 1 rank"
if "${MPIRUN[@]}" -np 2 cur/bcu --time 30 --quiet --output cur2 2>err; then
    fail "batch_cu.lua (a shared variable written lane after lane) ran on 2 ranks"
fi
grep -q "batch_cu.lua:43: custom update 'Use' (group 'Turn') writes its variable 's' (shared = true), held once (one value for the whole batch), in every lane: .* this run has 3 lanes on 2 MPI ranks: run on one rank, or make the variable per lane or the update held once" err ||
    { cat err; fail "batch_cu.lua on 2 ranks: message"; }
[ ! -e cur2/Out_V.npy ] || fail "batch_cu.lua on 2 ranks: refused after it ran"
ok "a shared variable written lane after lane, lanes split over 2 ranks: refused at the start"

# --- the training loop: a batch-summed gradient, a shared weight, metrics -------------------
delta_batch_model >delta.lua
delta_data 11 7
delta_batch_config | sed 's/evaluate_every: 2/evaluate_every: 1/' >t.yaml # every epoch
"$SNNCC" -q delta.lua -D batch=4 -o d1
"$SNNCC" -q --mpi delta.lua -D batch=4 -o dm
d1/delta --config t.yaml --output t1 --quiet --set train.save.dir=w1
[ "$(wc -l <t1/metrics.csv)" -eq 4 ] || fail "metrics.csv: $(cat t1/metrics.csv)"
for np in 3; do
    "${MPIRUN[@]}" -np $np dm/delta --config t.yaml --output "t$np.r" --quiet --set train.save.dir="w$np.r"
    cmp <(cut -d, -f1-5 t1/metrics.csv) <(cut -d, -f1-5 "t$np.r/metrics.csv") ||
        fail "$np ranks: metrics differ"
    cmp w1/InOut_w.npy "w$np.r/InOut_w.npy" || fail "$np ranks: weights differ"
    ok "training, batch 4 on $np ranks: metrics and weights one process's"
done

# --- e-prop: eprop_adam{ batch = true } (GradSum, then Adam held once) ----------------------
M="$OLDPWD/models/eprop_classifier.lua"
sed -e 's#/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz#trainset#' \
    -e 's#/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz#testset#' \
    -e 's#epochs: 10#epochs: 2#' -e 's#dir: fm_weights#dir: we#' \
    -e 's/batch_end: \[Learn\]/batch_end: [GradSum, Learn]/' \
    -e '/^datasets:/,$d' "$OLDPWD/models/eprop_fmnist.yaml" >e.yaml
echo 'datasets: { In: { example_steps: 12 } }' >>e.yaml
grep -q 'batch_end: \[GradSum, Learn\]' e.yaml || fail "eprop_fmnist.yaml: no batch_end"
"$SNNCC" -q "$M" -D inputs=5 -D classes=3 -D hidden=8 -D lr=0.01 -D batch=4 -o e1
"$SNNCC" -q --mpi "$M" -D inputs=5 -D classes=3 -D hidden=8 -D lr=0.01 -D batch=4 -o em
e1/eprop_classifier --config e.yaml --output eo1 --quiet --set train.save.dir=we1
[ "$(grep -c complete eo1/metrics.csv)" -eq 2 ] || fail "e-prop: $(cat eo1/metrics.csv)"
for np in 2 4; do
    "${MPIRUN[@]}" -np $np em/eprop_classifier --config e.yaml --output "eo$np.r" --quiet \
        --set train.save.dir="we$np.r"
    cmp <(cut -d, -f1-5 eo1/metrics.csv) <(cut -d, -f1-5 "eo$np.r/metrics.csv") ||
        fail "e-prop, $np ranks: metrics differ"
    n=0
    for f in we1/*.npy; do
        cmp "$f" "we$np.r/$(basename "$f")" || fail "e-prop, $np ranks: $(basename "$f") differs"
        n=$((n + 1))
    done
    [ $n -eq 4 ] || fail "e-prop: $n saved variables"
    ok "e-prop, batch-summed gradients + Adam, batch 4 on $np ranks: metrics and weights one process's"
done

# --- data sets outside the training loop: lane b of batch q shows position qB + b ----------
sed -n '/^cat >"\$WORK\/ds.lua"/,/^LUA$/p' "$OLDPWD/tests/e2e/batch.sh" | sed '1d;$d' >ds.lua
grep -q spike_source_dataset ds.lua || fail "batch.sh's data-set model not found"
"$SNNCC" -q ds.lua -o ds1
"$SNNCC" -q --mpi ds.lua -o dsm
DS=(--time 60 --quiet --set datasets.In.file=trainset --set datasets.In.example_time=12
    --set datasets.In.order=shuffle)
ds1/dsin "${DS[@]}" --output dso1
"${MPIRUN[@]}" -np 3 dsm/dsin "${DS[@]}" --output dso3
for d in "" lane1/ lane2/ lane3/; do
    for f in spikes_In P_L P_X P_C; do
        cmp -s "dso1/$d$f.npy" "dso3/$d$f.npy" || fail "data set, 3 ranks: $d$f differs"
    done
done
ok "data-set examples per lane on 3 ranks (2 + 1 + 1 lanes) = one process's"

# --- refused: fewer lanes than ranks ---------------------------------------------------------
printf 'batch: 2\n' >b2.yaml
if "${MPIRUN[@]}" -np 3 sm/bt --time 1 --quiet --output bad --config b2.yaml 2>err; then
    fail "batch 2 on 3 ranks ran"
fi
grep -q "b2.yaml:1: batch 2 on 3 MPI ranks: a batched model splits its lanes over the ranks (every rank holds the whole network, whose neurons are not split.*at least 3 lanes, or run on at most 2 ranks" err ||
    { cat err; fail "batch 2 on 3 ranks: message"; }
[ "$(grep -c 'batch 2 on 3 MPI ranks' err)" -eq 1 ] || { cat err; fail "message not once"; }
ok "batch 2 on 3 ranks refused"
