#!/usr/bin/env bash
# Checkpoints of batched plastic projections on the CUDA back end (issue 16; docs/cuda.md
# "Checkpoints", "Batched models"), the generated code in the CPU emulation: every lane's
# weights (its block of snn_lw_<proj>) and per-lane synapse, pre and post variables copied
# out into the C back end's batched pieces (rank0/lane<b>.snn_syn_<P>.weight, ...) and
# back on --restore.
#   - tests/lib/batch_model.sh's model with 4 lanes (eligibility traces, draws in `dynamics`,
#     on_pre / on_post, pre and post traces; sparse and all_to_all): T + checkpoint +
#     --restore to 2T = 2T: every lane's spikes and recorded states, per-lane spike counts
#     and final checksums (the lanes' differ), and the checkpoints both write at 2T, file
#     for file; checkpoint.every_steps mid-run; SIGTERM; the run config's batch 2 from lane
#     1 (the pieces at T the C back end's, the state at 2T the uninterrupted run's);
#   - the C back end's checkpoint at step T holds the same bytes in every piece of every
#     lane but the spike queues (one slot more on this back end), the weights included;
#   - tests/cuda/learn_addto.lua -D batch=3, sparse and dense (add_to_post, add_to_pre,
#     traces): T + restore = 2T, and its pieces at T are the C back end's;
#   - fault injections in the restoring simulator's host half (lane 0's weights restored
#     into every lane; one lane's weights not put back; a per-lane synapse variable not put
#     back) make the comparison fail.
# (A checkpoint restores on the back end that wrote it: docs/cuda.md "Across back ends".)
set -euo pipefail
set -f
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export SNN_HEARTBEAT_S=0.2
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh    # emu_build
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/batch_model.sh # batch_model; concat FULL FIRST SECOND [T_MS] (4 lanes)
source tests/lib/ckpt_signal.sh # sigterm_checkpoint
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
source tests/lib/ckpt_piece.sh # ckpt_has

# same_ckpt A B [skip-queues] [PIECE...]: two checkpoints of the same step hold the same
# bytes, piece for piece (format 2's manifest index; skip-queues: but for the spike queues, whose slot counts differ
# between the back ends); each PIECE is among them
same_ckpt() {
    $PY - "$@" <<'PY'
import json, re, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
skip = len(sys.argv) > 3 and sys.argv[3] == "skip-queues"
want = sys.argv[4 if skip else 3:]
assert a["step"] == b["step"] and a["lanes"] == b["lanes"], (a["step"], b["step"])
q = re.compile(r"(lane\d+\.)?snn_spk(cnt)?_")
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"] if not (skip and q.search(f["piece"]))}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"] if not (skip and q.search(f["piece"]))}
assert fa == fb, sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))
for w in want:
    assert w in fa, (w, sorted(fa))
PY
}

# --- 1. batch_model.sh's model, 4 lanes -------------------------------------------------------
batch_model 4 >"$WORK/bm.lua"
d="$WORK/bm"
emu_build "$WORK/bm.lua" "$d"
"$SNNCC" -q "$WORK/bm.lua" -o "$d/c"
sim="$d/emu"
grep -q "snn_cu_lane_weights(" "$d/gen/bt.c" || fail "no copies of the lanes' weights"
"$sim" --time 40 --quiet --output "$d/full" --set checkpoint.dir="$d/ck_full" \
    --set checkpoint.at_end=true
"$sim" --time 20 --quiet --output "$d/a" --set checkpoint.dir="$d/ck" --set checkpoint.at_end=true
grep -q '"step": 200,' "$d/ck/manifest.json" || fail "no checkpoint of step 200"
"$sim" --time 40 --quiet --output "$d/b" --restore "$d/ck" --set checkpoint.dir="$d/ck_b" \
    --set checkpoint.at_end=true
concat "$d/full" "$d/a" "$d/b" || fail "restored run differs"
PIECES=(rank0/snn_syn_SE.weight rank0/lane3.snn_syn_SE.weight
    rank0/lane2.snn_syn_EE.weight rank0/lane1.snn_sv_SE_e rank0/lane3.snn_sv_EE_r
    rank0/lane2.snn_pv_SE_x rank0/lane1.snn_qv_EE_y)
same_ckpt "$d/ck_full" "$d/ck_b" "${PIECES[@]}" || fail "the state at 2T differs"
ok "4 lanes, plastic: T + checkpoint + restore = 2T bitwise (every lane's spikes, states, counts, final checksums; every piece at 2T)"

"$d/c/bt" --time 20 --quiet --output "$d/c_a" --set checkpoint.dir="$d/ck_c" \
    --set checkpoint.at_end=true
same_ckpt "$d/ck" "$d/ck_c" skip-queues "${PIECES[@]}" || fail "the pieces are not the C back end's"
ok "every lane's weights and synapse/pre/post variables are the C back end's pieces, byte for byte"

"$sim" --time 40 --quiet --output "$d/ev" --set checkpoint.dir="$d/ck_ev" \
    --set checkpoint.every_steps=130
grep -q '"step": 390,' "$d/ck_ev/manifest.json" || fail "every_steps: $(grep step "$d/ck_ev/manifest.json")"
"$sim" --time 40 --quiet --output "$d/ev_b" --restore "$d/ck_ev"
concat "$d/full" - "$d/ev_b" 39 || fail "every_steps: restored run differs"
ok "checkpoint.every_steps (step 390) restores every lane, bitwise"

# the run config's lanes (2, from lane 1): the state at T is the C simulator's, and T +
# restore reaches the uninterrupted run's state at 2T
LO=(--set batch=2 --set lane_offset=1)
"$sim" --time 30 --quiet --output "$d/l_full" "${LO[@]}" --set checkpoint.dir="$d/ck_lfull" \
    --set checkpoint.at_end=true
"$sim" --time 15 --quiet --output "$d/l_a" "${LO[@]}" --set checkpoint.dir="$d/ck_l" \
    --set checkpoint.at_end=true
"$sim" --time 30 --quiet --output "$d/l_b" "${LO[@]}" --restore "$d/ck_l" \
    --set checkpoint.dir="$d/ck_lb" --set checkpoint.at_end=true
"$d/c/bt" --time 15 --quiet --output "$d/l_c" "${LO[@]}" --set checkpoint.dir="$d/ck_lc" \
    --set checkpoint.at_end=true
L1=(rank0/lane1.snn_syn_SE.weight rank0/lane1.snn_sv_EE_e rank0/lane1.snn_qv_SE_y)
same_ckpt "$d/ck_l" "$d/ck_lc" skip-queues "${L1[@]}" || fail "batch 2 from lane 1: not the C back end's pieces"
same_ckpt "$d/ck_lfull" "$d/ck_lb" "${L1[@]}" || fail "batch 2 from lane 1: the state at 2T differs"
! ckpt_has "$d/ck_l" rank0/lane2.E_V || fail "batch 2: a third lane stored"
ok "the run config's batch 2 from lane 1: the pieces at T are the C back end's; T + restore = 2T (every piece)"

sigterm_checkpoint "$sim" "$d/sig" # sets T
[ -n "$T" ] && [ "$T" -gt 0 ] || fail "SIGTERM: no checkpoint step"
end=$($PY -c "print(($T + 150) / 10)")
"$sim" --time "$end" --quiet --output "$d/sig_full"
"$sim" --time "$end" --quiet --output "$d/sig_b" --restore "$d/sig.ck"
concat "$d/sig_full" "$d/sig" "$d/sig_b" || fail "SIGTERM: restored run differs"
ok "SIGTERM at step $T: exit 143, restored = uninterrupted, every lane"

# fault injections in the restoring simulator's host half
for inj in 's/snn_cu_lane_weights(\([0-9]*\), b,/snn_cu_lane_weights(\1, to_device ? 0 : b,/' \
    '/^ *snn_cu_lane_weights(/s/to_device);/to_device \&\& b != 2);/' \
    '/snn_cu_lane_copy([0-9]*, b, snn_sv_SE_e,/d'; do
    rm -rf "$d/bad"
    cp "$d/gen/bt.c" "$d/gen/bt.c.orig"
    sed -i "$inj" "$d/gen/bt.c"
    if cmp -s "$d/gen/bt.c" "$d/gen/bt.c.orig"; then fail "fault injection '$inj': no change"; fi
    # shellcheck disable=SC2086
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/bt.c" \
        -o "$d/host_bad.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu_bad" "$d/host_bad.o" "$d/emu.o" \
        "$(emu_runtime "")" "$RT/lib/libsnnrt.a" -lyaml -lm
    mv "$d/gen/bt.c.orig" "$d/gen/bt.c"
    "$d/emu_bad" --time 40 --quiet --output "$d/bad" --restore "$d/ck"
    if concat "$d/full" "$d/a" "$d/bad" >/dev/null 2>&1; then
        fail "fault injection '$inj': the comparison passed"
    fi
done
ok "fault injections (lane 0's weights into every lane, lane 2's not put back, a synapse variable not put back): the comparison fails"

# --- 2. learn_addto.lua, 3 lanes, sparse and dense ---------------------------------------------
F="B_V.npy A_E.npy C_V.npy S_F.npy E_V.npy"
for dense in 0 1; do
    a="$WORK/addto$dense"
    emu_build tests/cuda/learn_addto.lua "$a" -D dense=$dense -D batch=3
    "$SNNCC" -q -D dense=$dense -D batch=3 tests/cuda/learn_addto.lua -o "$a/c"
    "$a/emu" --time 30 --quiet --output "$a/full"
    "$a/emu" --time 13 --quiet --output "$a/a" --set checkpoint.dir="$a/ck" --set checkpoint.at_end=true
    "$a/emu" --time 30 --quiet --output "$a/b" --restore "$a/ck"
    $PY - "$a" $F <<'PY' || fail "learn_addto dense=$dense: restored run differs"
import json, os, sys
import numpy as np
d, files = sys.argv[1], sys.argv[2:]
def load(r, b, f):
    p = f"{d}/{r}/{'lane%d/' % b if b else ''}{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
for b in range(3):
    for f in files:
        x = load("full", b, f)
        y = np.concatenate([load("a", b, f), load("b", b, f)])
        assert len(x) > 0 and x.tobytes() == y.tobytes(), (b, f, len(x), len(y))
r1, r2 = (json.load(open(f"{d}/{r}/run.json")) for r in ("full", "b"))
l1, l2 = r1["run"]["batch"]["per_lane"], r2["run"]["batch"]["per_lane"]
f1 = [l["final_checksum"] for l in l1]
assert f1 == [l["final_checksum"] for l in l2] and len(set(map(str, f1))) == 3, f1
assert l1 == l2 and r2["run"]["restored_from"]["step"] == 130, (l1, l2)
PY
    n=$($PY -c "import json; print(json.load(open('$a/full/run.json'))['model']['name'])")
    "$a/c/$n" --time 13 --quiet --output "$a/c_a" --set checkpoint.dir="$a/ck_c" \
        --set checkpoint.at_end=true
    same_ckpt "$a/ck" "$a/ck_c" skip-queues rank0/lane2.snn_syn_AB.weight ||
        fail "learn_addto dense=$dense: the pieces are not the C back end's"
    ok "learn_addto (dense=$dense), 3 lanes: T + restore = 2T bitwise; the pieces are the C back end's"
done
