#!/usr/bin/env bash
# The training loop over batch lanes on the CUDA back end with custom updates over synapses
# (issue 13; docs/cuda.md "Training loop", "Batches"), the generated code in the CPU
# emulation against the C back end's batched training loop, bitwise: the batched delta rule
# of tests/lib/delta.sh (delta_batch_model: a per-lane gradient g in synapse code, `Grad`
# a batch_sum of g over the synapses, `Delta` the weight step held once, group Learn at
# batch_end; train_batch.sh checks it on the C back end exactly against NumPy), with
# -D batch=4 (and 2 lanes by train.batch), plus a per-lane custom update over synapses
# (Acc.a += g): metrics.csv (but wall_s), the saved variables (InOut.w; Grad.s, a
# batch_sum held once; Acc.a, InOut.g, InOut.c, per lane: lane 0's, as the C back end
# saves) and every lane's input spikes identical; evaluate_only with the saved weights
# loaded; a checkpoint mid-batch restored; per-lane weights (not shared) stepped per lane
# by a custom update over synapses.  Injected faults are caught: the lanes' terms of
# Grad.s added from the last lane down (device half); the reset between examples putting
# lane 0's InOut.c back whatever the lane (host half).  nvcc compiles the .cu for sm_90.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh # emu_build
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/delta.sh    # delta_batch_model, delta_data, delta_batch_config
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
export SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -Werror"
delta_batch_model >"$WORK/m.lua"
# a per-lane custom-update variable over synapses (each lane's sum of its gradients)
cat >>"$WORK/m.lua" <<'LUA'
custom_update { name = "Acc", group = "Learn", vars = { a = 0.0 },
  var_refs = { g = ref("InOut", "g") }, code = "a += g;" }
record { In = "spikes" }
LUA
(cd "$WORK" && delta_data 9 6 && delta_batch_config >t.yaml)
sed -i 's/vars: \[InOut.w\]/vars: [InOut.w, Grad.s, Acc.a, InOut.g, InOut.c]/' "$WORK/t.yaml"
grep -q 'vars: \[InOut.w, Grad.s, Acc.a, InOut.g, InOut.c\]' "$WORK/t.yaml" ||
    fail "t.yaml: no save list to extend"
emu_build "$WORK/m.lua" "$WORK/b" -D batch=4
"$SNNCC" -q "$WORK/m.lua" -D batch=4 -o "$WORK/b/c"
grep -q "snn_k_cub_Grad" "$WORK/b/gen/delta.cu" || fail "no lane sum of Grad"
cd "$WORK"

# same C EMU LANES: metrics.csv (but wall_s), the saved variables, every lane's spikes
same() {
    local c=$1 e=$2 n=$3 b f l
    cmp <(cut -d, -f1-5,7 "$c/metrics.csv") <(cut -d, -f1-5,7 "$e/metrics.csv") ||
        { echo "metrics differ: $c $e"; return 1; }
    [ "$(ls "$c/w" | wc -l)" -ge 5 ] || { echo "$c/w: not every variable saved"; return 1; }
    for f in $(ls "$c/w"); do cmp "$c/w/$f" "$e/w/$f" || return 1; done
    for ((b = 0; b < n; b++)); do
        l=""
        [ "$b" -gt 0 ] && l="lane$b/"
        cmp "$c/${l}spikes_In.npy" "$e/${l}spikes_In.npy" || return 1
    done
    [ ! -e "$e/lane$n" ] || { echo "a lane $n"; return 1; }
}
for run in "4:" "2:--set train.batch=2"; do
    n=${run%%:*}
    # shellcheck disable=SC2206
    o=(${run#*:})
    b/c/delta --config t.yaml --output c$n --quiet --set train.save.dir=c$n/w "${o[@]}"
    b/emu --config t.yaml --output e$n --quiet --set train.save.dir=e$n/w "${o[@]}"
    same c$n e$n "$n" || fail "$n lanes: the training runs differ"
    $PY - c$n <<'PY'
import sys, numpy as np
d = sys.argv[1]
rows = [l.split(",") for l in open(f"{d}/metrics.csv").read().split("\n")[1:] if l]
assert len(rows) == 3 and all(r[1] for r in rows), rows
for v in ("InOut_w", "Grad_s", "Acc_a", "InOut_g"):
    x = np.load(f"{d}/w/{v}.npy")
    assert x.dtype == np.float64 and x.shape == (15,) and np.all(np.isfinite(x)), (v, x)
    assert np.any(x != 0), (v, x)
PY
    ok "$n lanes: metrics, saved weights, batch-summed gradient, per-lane synapse variables, every lane's spikes identical to the C back end's"
done

# evaluation only, the weights of epoch 3 loaded into every lane
emu_train_evaluate b/c/delta b/emu c4/w || exit 1

# a checkpoint mid-batch of epoch 3 (step 90: the 6th step of its second batch; written
# every 30 steps, the last kept), restored: the same end as the C back end's run
emu_train_restore b/emu c4 +1 --set checkpoint.every_steps=30 || exit 1
grep -q '"step": 90,' ck/manifest.json || fail "the checkpoint is not step 90's"
grep -q '"piece": "rank0/snn_cuv_Grad_s"' ck/manifest.json || fail "Grad.s not in the checkpoint"
grep -q '"piece": "rank0/lane3.snn_cuv_Acc_a"' ck/manifest.json || fail "lane 3's Acc.a not in the checkpoint"
ok "a checkpoint mid-batch restored: the same saved variables and metrics"

# per-lane weights (w not shared): Delta per lane, each lane's weights stepped by the sum and
# its own gradient (w += eta * (s + g)), so the lanes' weights and outputs differ
sed -e 's/, shared = { "w" }//' -e 's/w = ref_rw("InOut", "w") }, code = "w += eta \* s;"/g = ref("InOut", "g"), w = ref_rw("InOut", "w") }, code = "w += eta * (s + g);"/' \
    m.lua >mp.lua
grep -q 'w += eta \* (s + g);' mp.lua || fail "mp.lua: no per-lane step"
grep -q 'shared' mp.lua && fail "mp.lua: w still shared"
cd "$OLDPWD"
emu_build "$WORK/mp.lua" "$WORK/p" -D batch=4
"$SNNCC" -q "$WORK/mp.lua" -D batch=4 -o "$WORK/p/c"
cd "$WORK"
p/c/delta --config t.yaml --output cp --quiet --set train.save.dir=cp/w
p/emu --config t.yaml --output ep --quiet --set train.save.dir=ep/w
same cp ep 4 || fail "per-lane weights: the training runs differ"
cmp -s cp/w/InOut_w.npy c4/w/InOut_w.npy && fail "per-lane weights: the shared model's weights"
ok "per-lane weights stepped by a custom update over synapses: the same metrics, saved variables and spikes"

# faults: the lanes' terms of Grad.s added from the last lane down (device half); the reset
# between examples putting lane 0's InOut.c back whatever the lane (host half)
cd "$OLDPWD"
FAULT='s/snn_a = snn_t\[0\];/snn_a = snn_t[(size_t)(snn_nl - 1u) * snn_R->capacity];/; s/snn_t\[(size_t)snn_b \* snn_R->capacity\]/snn_t[(size_t)(snn_nl - 1u - snn_b) * snn_R->capacity]/' \
    emu_build "$WORK/m.lua" "$WORK/f1" -D batch=4
grep -q 'snn_nl - 1u - snn_b' "$WORK/f1/gen/emu.cc" || fail "fault 1 not injected"
HOST_FAULT='s/^    snn_cu_lane_copy(13, (uint32_t)lane, \(.*\), 1);/    snn_cu_lane_copy(13, 0u, \1, 1);/' \
    emu_build "$WORK/m.lua" "$WORK/f2" -D batch=4
grep -q '^    snn_cu_lane_copy(13, 0u, ' "$WORK/f2/gen/delta.c" || fail "fault 2 not injected"
cd "$WORK"
for f in f1 f2; do
    $f/emu --config t.yaml --output e$f --quiet --set train.save.dir=e$f/w
    if same c4 e$f 4 >/dev/null 2>&1; then fail "fault $f went unnoticed"; fi
done
ok "faults caught: the lanes' gradient terms summed in reverse order; the reset between examples into lane 0 only"

NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [ -x "$NVCC" ]; then
    "$NVCC" -std=c++17 --fmad=false -arch=sm_90 -Werror all-warnings -I"$RT/include/snncc" \
        -c b/gen/delta.cu -o b/nvcc.o
    ok "nvcc -arch=sm_90 compiles the .cu without warnings"
else
    echo "SKIP nvcc: not installed"
fi
