#!/usr/bin/env bash
# Issue 13: batched sparse e-prop on the CUDA back end trains bitwise as the C back end in
# the CPU emulation (docs/cuda.md "Order of the additions into an input").  IH and HH both
# add their weights into H's input; the C back end adds one projection after the other,
# each spike's row in queue order.  snn_k_propagate keeps that order within a block (a
# barrier before a projection into an input an earlier one adds into; by the presynaptic
# strategy, __syncwarp after each spike's row), so the emulation (one block per lane) adds
# in C's order.  models/eprop_classifier.lua, 20 inputs, 16 ALIF neurons, p_in = 0.5,
# p_rec = 0.3 (sparse rows), 3 lanes, the presynaptic strategy (--cuda-span '*=pre': the
# postsynaptic one adds position by position, docs/cuda.md), trained 2 epochs with Adam on
# the lane-summed gradients: metrics.csv and the saved IH.w, HH.w, HO.w, Out.b identical.
# The old order (both marks removed) makes IH.w and HH.w differ.
# The postsynaptic strategy in C's order (--cuda-span '*=ordered': one block per lane,
# the rows by ascending source, a barrier after each row) trains bitwise as well; the plain
# postsynaptic one (a thread per row position, '*=post') adds position by position and
# makes IH.w differ, and so does the ordered one without its barrier after each
# row (fault).  The ordered strategy stays C's with the emulation's blocks and threads run
# in reverse (SNN_EMU_ORDER=reverse, another valid schedule), the presynaptic one does not.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh # emu_build
M="$PWD/models/eprop_classifier.lua"
D=(-D inputs=20 -D classes=3 -D hidden=16 -D lr=0.01 -D batch=3 -D p_in=0.5 -D p_rec=0.3)

(cd "$WORK" && $PY - <<'PY'
import os
import numpy as np
rng = np.random.default_rng(5)
def write(d, E):   # 3 classes of 20 channels: class c fires channels 7c .. 7c + 6 often
    times, units, offs, labels = [], [], [0], []
    for _ in range(E):
        c = int(rng.integers(0, 3))
        t, u = [], []
        for ch in range(20):
            p = 0.3 if c * 7 <= ch < c * 7 + 7 else 0.03
            for s in range(30):
                if rng.random() < p:
                    t.append(s + 1.0); u.append(ch)
        o = np.argsort(t, kind="stable")
        times += list(np.array(t)[o]); units += list(np.array(u)[o])
        offs.append(offs[-1] + len(t)); labels.append(c)
    os.makedirs(d, exist_ok=True)
    np.save(f"{d}/times.npy", np.array(times)); np.save(f"{d}/units.npy", np.array(units, dtype=np.uint16))
    np.save(f"{d}/offsets.npy", np.array(offs)); np.save(f"{d}/labels.npy", np.array(labels, dtype=np.uint8))
write("trainset", 12); write("testset", 6)
PY
)
cat >"$WORK/t.yaml" <<YAML
train:
  epochs: 2
  train: { In: $WORK/trainset }
  test: { In: $WORK/testset }
  evaluate_every: 1
  reset: example
  keep: [Out.b]
  groups: { batch_end: [GradSum, Learn] }
  metrics: { output: Out.pi_sum, loss: Out.ce }
  save: { vars: [IH.w, HH.w, HO.w, Out.b] }
datasets: { In: { example_steps: 30 } }
YAML
"$SNNCC" -q "${D[@]}" "$M" -o "$WORK/c"
"$WORK/c/eprop_classifier" --config "$WORK/t.yaml" --output "$WORK/oc" --quiet --set train.save.dir="$WORK/wc"
emu_build "$M" "$WORK/e" "${D[@]}" --cuda-span '*=pre'
grep -q "projection 'IH': In -> H, presynaptic strategy (chosen with --cuda-span)" \
    "$WORK/e/gen/eprop_classifier.cu"
# same DIR [NAME]: WORK/DIR/emu's metrics and saved weights (into WORK/oNAME, WORK/wNAME)
# against the C back end's; prints the differing
same() {
    local r=${2:-$1}
    "$WORK/$1/emu" --config "$WORK/t.yaml" --output "$WORK/o$r" --quiet --set train.save.dir="$WORK/w$r"
    cmp -s <(cut -d, -f1-5 "$WORK/oc/metrics.csv") <(cut -d, -f1-5 "$WORK/o$r/metrics.csv") || echo metrics.csv
    for v in IH_w HH_w HO_w Out_b; do
        cmp -s "$WORK/wc/$v.npy" "$WORK/w$r/$v.npy" || echo "$v.npy"
    done
}
diff=$(same e)
[ -z "$diff" ] || { echo "FAIL the emulation's training differs from the C back end's: $diff"; exit 1; }
grep -q '"backend": "cuda"' "$WORK/oe/run.json"
grep -q '"train_examples": 12, "test_examples": 6' "$WORK/oe/run.json"
echo "ok   3 lanes, sparse IH and HH into H's input: metrics and saved weights bitwise C's"
# the old order: projections interleaved in a block, a warp's rows position by position
FAULT='/C order: /d' emu_build "$M" "$WORK/f" "${D[@]}" --cuda-span '*=pre'
if grep -q 'C order' "$WORK/f/gen/emu.cc"; then echo "FAIL the fault was not injected"; exit 1; fi
diff=$(same f)
case "$diff" in *IH_w.npy*) ;; *) echo "FAIL the old order went unnoticed ($diff)"; exit 1 ;; esac
echo "ok   the old order of the additions (fault) makes the saved weights differ: $(tr '\n' ' ' <<<"$diff")"

# the postsynaptic strategy in C's order; the plain one (the old kernels) differs
emu_build "$M" "$WORK/o" "${D[@]}" --cuda-span '*=ordered'
grep -q "projection 'HH': H -> H, postsynaptic strategy in the C back end's order (chosen with --cuda-span)" \
    "$WORK/o/gen/eprop_classifier.cu"
grep -q '"name\\": \\"IH\\", \\"span\\": \\"ordered\\"' "$WORK/o/gen/eprop_classifier.cu"
diff=$(same o)
[ -z "$diff" ] || { echo "FAIL the ordered postsynaptic strategy's training differs from C's: $diff"; exit 1; }
echo "ok   the postsynaptic strategy in C's order (--cuda-span '*=ordered'): bitwise C's"
# another valid schedule (the emulation's blocks and threads in reverse: the spike queues
# filled in another order, a row's positions delivered backwards): the ordered strategy
# still adds in C's order; the presynaptic one (queue order) does not
diff=$(SNN_EMU_ORDER=reverse same o or)
[ -z "$diff" ] || { echo "FAIL the ordered strategy depends on the schedule: $diff"; exit 1; }
diff=$(SNN_EMU_ORDER=reverse same e er)
[ -n "$diff" ] || { echo "FAIL the reversed schedule changed nothing for the presynaptic strategy"; exit 1; }
echo "ok   threads and blocks in reverse: ordered still bitwise C's, presynaptic differs ($(tr '\n' ' ' <<<"$diff"))"
emu_build "$M" "$WORK/p" "${D[@]}" --cuda-span '*=post'
diff=$(same p)
case "$diff" in *IH_w.npy*) ;; *) echo "FAIL the plain postsynaptic strategy matched C's ($diff)"; exit 1 ;; esac
echo "ok   the plain postsynaptic strategy (position by position) differs: $(tr '\n' ' ' <<<"$diff")"
FAULT='/C order: row by row/d' emu_build "$M" "$WORK/g" "${D[@]}" --cuda-span '*=ordered'
if grep -q 'C order: row by row' "$WORK/g/gen/emu.cc"; then echo "FAIL the fault was not injected"; exit 1; fi
diff=$(same g)
case "$diff" in *IH_w.npy*) ;; *) echo "FAIL the ordered strategy without its row barrier went unnoticed ($diff)"; exit 1 ;; esac
echo "ok   the ordered strategy without its barrier after each row (fault) differs: $(tr '\n' ' ' <<<"$diff")"
