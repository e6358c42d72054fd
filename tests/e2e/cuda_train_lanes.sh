#!/usr/bin/env bash
# The training loop over batch lanes on the CUDA back end (issue 13; docs/cuda.md "Training
# loop", "Batches"), the generated code in the CPU emulation against the C back end's
# batched training loop, bitwise: a delta rule in synapse code (per-lane weights and
# synapse variables: `on_pre` counts, `dynamics` steps the weight), custom updates over
# neurons (a counter at example_end, a batch_sum of the outputs at batch_end, a per-lane
# update at epoch_end), a spiking population with noise beside it (draws per lane),
# 3 lanes (the model's) and 2 (train.batch): every lane fed, reset and read at its block;
# metrics.csv (but wall_s), the saved variables, every lane's spikes and recorded states
# identical; evaluate_only with the saved weights loaded; a checkpoint mid-epoch restored;
# without the loop, the data sets per lane (shuffled) T + restore = 2T in every lane.
# A fault injected (every lane's metrics read from lane 0's output) makes the comparison fail.  The training loop
# with custom updates over synapses: tests/e2e/cuda_train_batch_syn.sh.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh # emu_build
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/delta.sh    # delta_data
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
export SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -Werror"

cat >"$WORK/m.lua" <<'LUA'
local B = param("batch", 3)
network { name = "dl", dt = 1.0, seed = 1, precision = "double", batch = B }
local In = population { "In", spike_source_dataset { classes = 3 }, 5 }
local acc = neuron { name = "acc", vars = { y = 0.0, tgt = 0.0, l = 0.0 },
  sim = "y += Isyn; tgt = label == id ? 1.0 : 0.0; l = (tgt - y) * (tgt - y);" }
local Out = population { "Out", acc, 3 }
local dsyn = synapse { name = "dsyn", params = { eta = 0.02 }, vars = { w = 0.1, c = 0.0 },
  on_pre = "c += 1.0;", dynamics = "w += eta * c * (tgt_post - y_post);" }
projection { In, Out, name = "InOut", conn = all_to_all(), synapse = dsyn, psm = delta(),
             delay = 1.0 }
local H = population { "H", lif { tau_m = 10, V_th = -50, V_reset = -65, t_ref = 2 }, 6,
                       init = { V = uniform(-65, -55) } }
current_source { H, noise { mean = 600.0, sd = 300.0 } }
projection { In, H, conn = all_to_all(), weight = 3000.0, delay = 1.0 }
custom_update { name = "CEx", group = "Ex", vars = { n = 0.0 },
  var_refs = { y = ref("Out", "y") }, code = "n += 1.0 + y;" }
custom_update { name = "Sum", group = "Bt", vars = { s = { reduce = "batch_sum" } },
  var_refs = { y = ref("Out", "y") }, code = "s = y;" }
custom_update { name = "Ep", group = "Ep", vars = { k = 0.0 },
  var_refs = { s = ref("Sum", "s") }, code = "k = 0.5 * k + s;" }
record { In = "spikes", H = { "spikes", "V", every = 3 } }
LUA
cat >"$WORK/t.yaml" <<'YAML'
train:
  epochs: 3
  train: { In: trainset }
  test: { In: testset }
  seed: 11
  evaluate_every: 2
  groups: { example_end: [Ex], batch_end: [Bt], epoch_end: [Ep] }
  metrics: { output: Out.y, loss: Out.l }
  save: { dir: w, vars: [InOut.w, InOut.c, Out.y, CEx.n, Ep.k, Sum.s] }
datasets: { In: { example_steps: 12 } }
YAML
(cd "$WORK" && delta_data 9 6)
d="$WORK/b"
emu_build "$WORK/m.lua" "$d"
"$SNNCC" -q "$WORK/m.lua" -o "$d/c"
grep -q "snn_cu_train_ds_lane(" "$d/gen/dl.c" || fail "no per-lane feed"

# same C EMU LANES: metrics.csv (but wall_s), the saved variables, every lane's recordings
same() {
    local c=$1 e=$2 n=$3 b f l
    cmp <(cut -d, -f1-5,7 "$c/metrics.csv") <(cut -d, -f1-5,7 "$e/metrics.csv") ||
        { echo "metrics differ: $c $e"; return 1; }
    [ -n "$(ls "$c/w")" ] || return 1
    for f in $(ls "$c/w"); do cmp "$c/w/$f" "$e/w/$f" || return 1; done
    for ((b = 0; b < n; b++)); do
        l=""
        [ "$b" -gt 0 ] && l="lane$b/"
        for f in spikes_In.npy spikes_H.npy H_V.npy; do cmp "$c/$l$f" "$e/$l$f" || return 1; done
    done
    [ ! -e "$e/lane$n" ] || { echo "a lane $n"; return 1; }
}
cd "$WORK"
for run in "3:" "2:--set train.batch=2"; do
    n=${run%%:*}
    # shellcheck disable=SC2206
    o=(${run#*:})
    b/c/dl --config t.yaml --output c$n --quiet --set train.save.dir=c$n/w "${o[@]}"
    b/emu --config t.yaml --output e$n --quiet --set train.save.dir=e$n/w "${o[@]}"
    same c$n e$n "$n" || fail "$n lanes: the training runs differ"
    $PY - c$n "$n" <<'PY'
import sys, numpy as np
d, n = sys.argv[1], int(sys.argv[2])
rows = [l.split(",") for l in open(f"{d}/metrics.csv").read().split("\n")[1:] if l]
assert len(rows) == 3 and all(r[1] for r in rows), rows
w = np.load(f"{d}/w/InOut_w.npy")
assert np.all(np.isfinite(w)) and np.any(w != 0.1), w
s = np.load(f"{d}/w/Sum_s.npy")   # a batch_sum over neurons: one value per neuron
assert s.dtype == np.float64 and s.shape == (3,) and np.all(np.isfinite(s)), s
PY
    ok "$n lanes: metrics, saved variables, every lane's spikes and states identical to the C back end's"
done

# evaluation only, the weights of epoch 3 loaded into every lane
emu_train_evaluate b/c/dl b/emu c3/w || exit 1

# a checkpoint mid-epoch (step 150: example 12 of epoch 2), restored: the same end
emu_train_restore b/emu c3 2 --set checkpoint.every_steps=150 --time 160 || exit 1
ok "a checkpoint mid-epoch restored: the same saved variables and metrics"

# fault: every lane's metrics read lane 0's output (Out.y's copy from lane 0's block)
F='s/snn_cu_lane_copy(\([0-9]*\), (uint32_t)lane, (void \*)Out_y, \(.*\), 0);/snn_cu_lane_copy(\1, 0u, (void *)Out_y, \2, 0);/'
cp b/gen/dl.c b/gen/dl_bad.c
sed -i "$F" b/gen/dl_bad.c
if cmp -s b/gen/dl.c b/gen/dl_bad.c; then fail "fault not injected"; fi
# shellcheck disable=SC2086
cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c b/gen/dl_bad.c -o b/host_bad.o
# shellcheck disable=SC2086
g++ -fopenmp ${SNNCC_CFLAGS%-Werror} -o b/emu_bad b/host_bad.o b/emu.o "$(emu_runtime "")" \
    "$RT/lib/libsnnrt.a" -lyaml -lm
b/emu_bad --config t.yaml --output eb --quiet --set train.save.dir=eb/w
if same c3 eb 3 >/dev/null 2>&1; then fail "the fault (lane 0's output read for every lane) went unnoticed"; fi
ok "a fault (lane 0's output read for every lane's metrics) is caught"

# the data sets per lane without the loop (shuffled): T + restore = 2T in every lane (a
# restore seeks each lane's cursors in the lane's own spike lists, kept on the host)
DS=(--set datasets.In.file=trainset --set datasets.In.example_steps=12 --set datasets.In.order=shuffle)
b/emu --time 100 "${DS[@]}" --output dfull --quiet
b/emu --time 50 "${DS[@]}" --output da --quiet --set checkpoint.dir=dck --set checkpoint.at_end=true
b/emu --time 100 "${DS[@]}" --output db --quiet --restore dck
$PY - <<'PY' || fail "data sets per lane: the restored run differs"
import numpy as np
for l in ["", "lane1/", "lane2/"]:
    for f in ["spikes_In.npy", "spikes_H.npy", "H_V.npy"]:
        x = np.load("dfull/" + l + f)
        y = np.concatenate([np.load("da/" + l + f), np.load("db/" + l + f)])
        assert len(x) > 0 and x.tobytes() == y.tobytes(), (l, f, len(x), len(y))
PY
ok "data sets per lane, no training loop: T + restore = 2T in every lane"

NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
    "$NVCC" -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings -I"$RT/include/snncc" \
        -c b/gen/dl.cu -o b/nvcc.o
    ok "nvcc -arch=sm_90 compiles the batched training model's .cu without warnings"
else
    echo "SKIP nvcc: not installed"
fi
