#!/usr/bin/env bash
# The training loop on the CUDA back end (docs/cuda.md "Training loop"), run in the CPU
# emulation (tests/cuda/emu, as tests/e2e/cuda_learning.sh) against the C back end's
# simulator, bitwise: the delta-rule readout of tests/e2e/train.sh (tests/lib/delta.sh)
# with a spiking population beside it (random initial V, noise, spikes and V recorded) for
# 3 epochs: groups at example_end, batch_end, epoch_end and every_steps, evaluation every 2
# epochs, a learning-rate list; a step-decay schedule; reset: none with a runtime
# parameter from --set; evaluate_only with the saved weights loaded; CUDA graphs of 8
# steps.  Saved variables (.npy), metrics.csv (but wall_s), spikes and recorded states
# identical; a checkpoint mid-example restored gives the same weights and metrics.  Then: the generated .cu compiles with nvcc -arch=sm_90 where nvcc is; a
# fault injected in the host half (the feed's label not copied to the device) must make
# the comparison fail.  Data sets per lane in a batched model with static synapses: every
# lane's spikes and states identical to the C back end's lanes (the training loop over
# lanes: tests/e2e/cuda_train_lanes.sh).  A rewired projection (a delta rule on a sparse
# projection, a connectivity update every 5 steps): saved synapses and weights, metrics and
# states identical, also with those synapses loaded (train.load, evaluate_only) and after a
# checkpoint restored mid-example; the rows not copied back to the device (a fault) must
# make the loaded run fail.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
ROOT=$PWD
source tests/lib/cuda_emu.sh # emu_runtime
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/delta.sh    # delta_model, delta_data, delta_config
fail() { echo "FAIL $*"; exit 1; }

# build NAME MODEL "snncc options": $WORK/NAME/emu (the emulated CUDA simulator, from
# $WORK/NAME/gen, edited by $EDIT first if set) and $WORK/NAME/c (the C simulator)
build() {
    local name=$1 model=$2 sopts=$3
    local d="$WORK/$name"
    # shellcheck disable=SC2086
    "$SNNCC" -q -S -b cuda $sopts "$model" -o "$d/gen"
    local base
    base=$(basename "$(find "$d/gen" -name "*.cu" | head -n 1)" .cu)
    if [ -n "${EDIT:-}" ]; then sed -i "$EDIT" "$d/gen/$base.c"; fi
    sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$base.cu" >"$d/gen/emu.cc"
    # shellcheck disable=SC2086
    g++ -std=c++17 $EMU_OPT ${EMU_FLAGS:-} -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
        -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
    local rt
    rt=$(emu_runtime "${EMU_FLAGS:-}")
    # shellcheck disable=SC2086
    cc -O2 -fopenmp -ffp-contract=off -Werror ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/$base.c" -o "$d/host.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$rt" "$RT/lib/libsnnrt.a" -lyaml -lm
    if [ -z "${EDIT:-}" ]; then
        # shellcheck disable=SC2086
        "$SNNCC" -q $sopts "$model" -o "$d/c"
    fi
}
# same DIR_C DIR_EMU FILES...: metrics.csv without wall_s, and the files, identical
same() {
    local a=$1 b=$2
    shift 2
    cmp <(cut -d, -f1-5,7 "$a/metrics.csv") <(cut -d, -f1-5,7 "$b/metrics.csv") ||
        { echo "metrics differ: $a $b"; return 1; }
    for f in "$@"; do cmp "$a/$f" "$b/$f" || return 1; done
}

cd "$WORK"
delta_model >m.lua
cat >>m.lua <<'LUA'
local H = population { "H", lif { tau_m = 10, V_th = -50, V_reset = -65, t_ref = 2 }, 6,
                       init = { V = uniform(-65, -55) } }
current_source { H, noise { mean = 600.0, sd = 300.0 } }
projection { In, H, conn = all_to_all(), weight = 3000.0, delay = 1.0 }
record { In = "spikes", H = { "spikes", "V", every = 3 } }
LUA
delta_data 9 6
delta_config >t.yaml
cd - >/dev/null
build d "$WORK/m.lua" ""
cd "$WORK"
B=(d/c/delta d/emu)
S=(c e)
for i in 0 1; do
    b=${B[$i]} s=${S[$i]}
    $b --config t.yaml --output o$s --quiet --set train.save.dir=w$s
    # step decay: eta = 0.05 * 0.5^floor(epoch / 2)
    sed -e 's/^  schedule:.*/  schedule: { Delta.eta: { factor: 0.5, every: 2 } }/' t.yaml >d.yaml
    $b --config d.yaml --output od$s --quiet --set train.save.dir=wd$s
    # reset: none, a constant eta from --set, every epoch evaluated
    grep -v schedule t.yaml >n.yaml
    $b --config n.yaml --output on$s --quiet --set train.reset=none --set train.save.dir=wn$s \
        --set train.evaluate_every=1 --set params.Delta.eta=0.001
    # evaluation only, the C run's weights of epoch 3 loaded
    $b --quiet --output oe$s --set datasets.In.example_steps=12 --set train.evaluate_only=true \
        --set train.test.In=testset --set train.load=wc --set train.metrics.output=Out.y \
        --set train.metrics.loss=Out.l
    # CUDA graphs of 8 steps (the emulation; the C back end ignores the key)
    $b --config t.yaml --output og$s --quiet --set train.save.dir=wg$s --set cuda_graph_steps=8
done
REC="spikes_In.npy spikes_H.npy H_V.npy"
for v in InOut_w Out_y CEp_n CBt_n CTk_n CAl_n CNo_n; do cmp "wc/$v.npy" "we/$v.npy"; done
# shellcheck disable=SC2086
same oc oe $REC
cmp wdc/InOut_w.npy wde/InOut_w.npy
cmp wnc/InOut_w.npy wne/InOut_w.npy
# shellcheck disable=SC2086
same odc ode $REC
# shellcheck disable=SC2086
same onc one $REC
same oec oee spikes_In.npy spikes_H.npy
# shellcheck disable=SC2086
same ogc oge $REC
cmp wgc/InOut_w.npy wge/InOut_w.npy
grep -q '"graph_launches": [1-9]' oge/cuda.json
grep -q '"backend": "cuda"' oe/run.json
# the runs differ from each other (the schedule, the reset, the parameter did something)
! cmp -s wc/InOut_w.npy wdc/InOut_w.npy && ! cmp -s wc/InOut_w.npy wnc/InOut_w.npy
$PY - oe <<'PY'
import json, sys
import numpy as np
r = json.load(open(f"{sys.argv[1]}/run.json"))
n = {p["name"]: p["spikes"] for p in r["populations"]}
assert n["In"] > 50 and n["H"] > 20, n
rows = open(f"{sys.argv[1]}/metrics.csv").read().splitlines()[1:]
assert len(rows) == 3 and rows[1].split(",")[3] != "", rows
assert r["training"]["metrics"][-1]["train_accuracy"] == 1.0, r["training"]["metrics"][-1]
print("3 epochs: spikes", n, "train accuracy 1")
PY
echo "ok   training loop in the emulation: weights, metrics, spikes, states identical (5 runs)"
# a checkpoint in the middle of an example of epoch 3 (step 322), restored: the C back
# end's uninterrupted training
d/emu --config t.yaml --output ock --quiet --set train.save.dir=wck --set checkpoint.dir=ck \
    --set checkpoint.every_steps=161
d/emu --config t.yaml --output ocr --quiet --set train.save.dir=wcr --restore ck
grep -q '"restored_from": {"dir": "ck", "step": 322' ocr/run.json
for v in InOut_w Out_y CEp_n CNo_n; do cmp "wc/$v.npy" "wcr/$v.npy"; done
same oc ocr
echo "ok   a checkpoint of the CUDA training run (step 322) restored = the C back end's run"

# nvcc: the generated .cu compiles for sm_90 with the training functions
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
    "$NVCC" -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings -I"$RT/include/snncc" \
        -c d/gen/delta.cu -o d/nvcc.o
    echo "ok   nvcc -arch=sm_90 compiles the training model's .cu"
else
    echo "skip nvcc (not installed)"
fi

# an injected fault: the feed's label not copied to the device -> other metrics
cd - >/dev/null
EDIT='/snn_cu_train_pos([0-9]*, snn_dsl_In,/d' build f "$WORK/m.lua" ""
cd "$WORK"
f/emu --config t.yaml --output of --quiet --set train.save.dir=wf
if same oc of 2>/dev/null; then fail "the fault (labels not copied) went unnoticed"; fi
echo "ok   a fault (the feed's label not copied to the device) is caught"

# data sets per lane in a batched model (static synapses): lane b shows its own examples
# (shuffled), its label and example index read by the neuron code; every lane's spikes
# and states identical to the C back end's lanes, with the model's 3 lanes and with 5
cat >sb.lua <<'LUA'
network { name = "dsb", dt = 1.0, seed = 1, precision = "double", batch = 3 }
local In = population { "In", spike_source_dataset { classes = 3 }, 5 }
local acc = neuron { name = "acc", vars = { y = 0.0, tgt = 0.0, ex = 0.0 },
  sim = "y += Isyn; tgt = label == id ? 1.0 : 0.0; ex = example;" }
local Out = population { "Out", acc, 3 }
projection { In, Out, name = "InOut", conn = all_to_all(), weight = 0.5, delay = 1.0 }
record { In = "spikes", Out = { "y", "tgt", "ex", every = 1 } }
LUA
cd - >/dev/null
build db "$WORK/sb.lua" ""
cd "$WORK"
DS=(--set datasets.In.file=trainset --set datasets.In.example_steps=12 --set datasets.In.order=shuffle)
for lanes in 3 5; do
    db/c/dsb --time 100 "${DS[@]}" --set batch=$lanes --output bc$lanes --quiet
    db/emu --time 100 "${DS[@]}" --set batch=$lanes --output be$lanes --quiet
    for ((b = 0; b < lanes; b++)); do
        l=""; [ $b -gt 0 ] && l="lane$b/"
        for f in spikes_In.npy Out_y.npy Out_tgt.npy Out_ex.npy; do cmp "bc$lanes/$l$f" "be$lanes/$l$f"; done
    done
done
$PY - be3 <<'PY'
import sys
import numpy as np
ex = [np.load(f"{sys.argv[1]}/{l}Out_ex.npy")["v"][1::12, 0] for l in ("", "lane1/", "lane2/")]
assert len({tuple(e) for e in ex}) == 3, ex   # each lane its own examples
print("lanes' examples:", [list(map(int, e[:4])) for e in ex])
PY
echo "ok   data sets per lane (3 and 5 lanes): every lane's spikes and states identical"
if [ -x "$NVCC" ]; then
    "$NVCC" -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings -I"$RT/include/snncc" \
        -c db/gen/dsb.cu -o db/nvcc.o
    echo "ok   nvcc -arch=sm_90 compiles the batched data set model's .cu"
fi
# (the training loop over lanes: tests/e2e/cuda_train_lanes.sh; with custom updates over
# synapses, delta_batch_model: tests/e2e/cuda_train_batch_syn.sh)

# a rewired projection: the delta rule on a sparse projection whose synapses a
# connectivity update removes and adds every 5 steps (the rows travel both ways); c drawn
# per synapse, so each reset draws it over the device's current rows
cat >rw.lua <<'LUA'
network { name = "drw", dt = 1.0, seed = 1, precision = "double" }
local In = population { "In", spike_source_dataset { classes = 3 }, 5 }
local acc = neuron { name = "acc", vars = { y = 0.0, tgt = 0.0, l = 0.0 },
  sim = "y += Isyn; tgt = label == id ? 1.0 : 0.0; l = (tgt - y) * (tgt - y);" }
local Out = population { "Out", acc, 3 }
local dsyn = synapse { name = "dsyn", vars = { w = 0.0, c = 0.0, g = 0.0 },
  on_pre = "c += 1.0;", dynamics = "g = c * (tgt_post - y_post);" }
local P = projection { In, Out, name = "InOut", conn = fixed_probability(0.5), synapse = dsyn,
  psm = delta(), delay = 1.0, weight = uniform(-0.1, 0.1), max_row_length = 3,
  init = { c = uniform(0.0, 0.2) } }
custom_update { name = "Delta", group = "Learn", params = { eta = 0.05 }, runtime = { "eta" },
  var_refs = { w = ref_rw("InOut", "w"), g = ref("InOut", "g") }, code = "w += eta * g;" }
connectivity_update { name = "rw", projection = P, every = 5, params = { theta = -0.1, p = 0.05 },
  remove = "w < theta || uniform() < p",
  add = { count = "floor(uniform() * 2)", target = "floor(uniform() * N_post)",
          init = { w = 0.02 } } }
record { In = "spikes", Out = { "y", every = 4 } }
LUA
sed -e 's/save: .*/save: { dir: w, vars: [InOut.w, InOut.c, Out.y] }/' -e '/every_steps/d' \
    -e '/batch_end\|epoch_end/d' t.yaml >rt.yaml
cd "$ROOT"
emu_build "$WORK/rw.lua" "$WORK/r"
FAULT='/snn_cu_rows_to_device((const snn_ragged \*)host/d' emu_build "$WORK/rw.lua" "$WORK/rf"
"$SNNCC" -q "$WORK/rw.lua" -o "$WORK/r/c"
cd "$WORK"
RL=(--quiet --set datasets.In.example_steps=12 --set train.evaluate_only=true
    --set train.test.In=testset --set train.load=wrc --set train.metrics.output=Out.y
    --set train.metrics.loss=Out.l)
for s in c e; do
    b=r/emu
    [ $s = c ] && b=r/c/drw
    $b --config rt.yaml --output or$s --quiet --set train.save.dir=wr$s
    $b "${RL[@]}" --output orl$s
done
for v in InOut.pre InOut.post InOut_w InOut_c Out_y; do cmp "wrc/$v.npy" "wre/$v.npy"; done
same orc ore spikes_In.npy Out_y.npy
same orlc orle Out_y.npy
# a checkpoint mid-example (step 322) restored: the C back end's uninterrupted training
r/emu --config rt.yaml --output ork --quiet --set train.save.dir=wrk --set checkpoint.dir=rck \
    --set checkpoint.every_steps=161
r/emu --config rt.yaml --output orr --quiet --set train.save.dir=wrr --restore rck
grep -q '"restored_from": {"dir": "rck", "step": 322' orr/run.json
for v in InOut.pre InOut.post InOut_w InOut_c; do cmp "wrc/$v.npy" "wrr/$v.npy"; done
same orc orr
$PY - orc wrc <<'PY'
import json, sys
import numpy as np
u = json.load(open(f"{sys.argv[1]}/run.json"))["connectivity_updates"][0]
assert u["removed"] > 20 and u["added"] > 20, u
pre = np.load(f"{sys.argv[2]}/InOut.pre.npy")
print("rewired:", u["removed"], "removed,", u["added"], "added,", len(pre), "synapses saved")
PY
# the fault: the loaded rows stay on the host; the loaded InOut.c then does not fit
if rf/emu "${RL[@]}" --output orlf 2>orlf.txt && same orlc orlf Out_y.npy 2>/dev/null; then
    fail "the fault (rows not copied back to the device) went unnoticed"
fi
echo "ok   a rewired projection: saved synapses, metrics, states identical, also loaded and restored; a fault (rows not copied back) is caught"
