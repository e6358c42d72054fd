#!/usr/bin/env bash
# Checkpoints of batched models on the CUDA back end (network{ batch = B }; docs/cuda.md
# "Checkpoints"), the generated code run in the CPU emulation (tests/cuda/emu): every
# lane's device state (its block of each per-lane array: neuron variables, inputs,
# dendritic rings, spike-source cursors; its spike queue) copied out into the C back end's
# batched layout (pieces rank0/lane<b>.<piece>) and back on --restore, each lane's spike
# counts restored.
#   - the model of tests/e2e/cuda_batch.sh (4 lanes: draws in neuron code, noise and
#     poisson_input sources, sparse and dense projections, spike and state recordings):
#     T steps + checkpoint + --restore to 2T = 2T steps: every lane's spikes and recorded
#     states (the first run's files followed by the restored run's), run.json's per-lane
#     spike counts, and the checkpoints both runs write at 2T, file for file;
#     checkpoint.every_steps in the middle of a recording block;
#   - the checkpoint holds the C back end's pieces: at step T every piece of every lane
#     but the spike queues (one slot more on this back end) is the C simulator's;
#   - tests/cuda/sources.lua with 3 lanes (spike-source cursors, dendritic rings) and
#     tests/cuda/batch_cu.lua (custom updates over lanes: per-lane variables, reductions
#     per lane and over the lanes, values held once): T + restore = 2T;
#   - fault injections in the generated host half (a variable, or a spike queue, not copied
#     back; every lane's state put into lane 0's block) make the comparison fail;
#   - refused, nothing run: another batch size, a corrupt lane file, another model.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh # emu_runtime
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/ckpt_piece.sh # ckpt_has, ckpt_poke
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }

# shellcheck disable=SC2016 # the model's text has $1 (its batch), replaced by 4
sed -n '/^model() {/,/^LUA$/p' tests/e2e/cuda_batch.sh | sed -e '1,2d' -e '$d' -e 's/\$1/4/' \
    >"$WORK/bt.lua"
grep -q "batch = 4 }" "$WORK/bt.lua" || fail "the model of cuda_batch.sh not found"

# emulated DIR MODEL NAME "snncc options" [SED on the host half: a fault injection, the
# device half DIR's first build's]
emulated() {
    local d=$1 model=$2 n=$3 sopts=$4 expr=${5:-}
    # shellcheck disable=SC2086
    "$SNNCC" -q -S -b cuda $sopts "$model" -o "$d/gen"
    if [ -n "$expr" ]; then
        cp "$d/gen/$n.c" "$d/gen/$n.c.orig"
        sed -i "$expr" "$d/gen/$n.c"
        if cmp -s "$d/gen/$n.c" "$d/gen/$n.c.orig"; then fail "fault injection '$expr': no change"; fi
    else
        sed -E 's/([A-Za-z0-9_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
            "$d/gen/$n.cu" >"$d/gen/emu.cc"
        g++ -std=c++17 $EMU_OPT -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
            -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
    fi
    # shellcheck disable=SC2086 # SNNCC_CFLAGS: the sanitizers under make asan
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" \
        -c "$d/gen/$n.c" -o "$d/host.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/${6:-emu}" "$d/host.o" "$d/emu.o" \
        "$(emu_runtime "")" "$RT/lib/libsnnrt.a" -lyaml -lm
}

# concat FULL FIRST SECOND LANES FILES [T_MS]: in every lane, FIRST's recordings (or .part
# files) followed by SECOND's equal FULL's (FIRST "-": FULL's records after T_MS are
# SECOND's); the per-lane spike counts of SECOND equal FULL's
concat() {
    $PY - "$@" <<'PY'
import json, os, sys
import numpy as np
full, first, second, lanes, files = sys.argv[1:6]
T = float(sys.argv[6]) if len(sys.argv) > 6 else None
def load(d, b, f):
    p = f"{d}/{'lane%d/' % b if b else ''}{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
for b in range(int(lanes)):
    for f in files.split(","):
        x, y = load(full, b, f), load(second, b, f)
        if first != "-":
            y = np.concatenate([load(first, b, f), y])
        else:
            x = x[x["t"] > T + 1e-9]
        assert len(x) > 0, f"lane {b} {f}: empty"
        assert x.tobytes() == y.tobytes(), f"lane {b} {f}: {len(x)} vs {len(y)} records differ"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
assert r2["model"]["backend"] == "cuda", r2["model"]
s1 = [l["spikes"] for l in r1["run"]["batch"]["per_lane"]]
s2 = [l["spikes"] for l in r2["run"]["batch"]["per_lane"]]
assert len(s1) == int(lanes) and (first == "-" or s1 == s2), (s1, s2)
assert r2["status"] == "complete" and r2["run"]["restored_from"]["step"] > 0, r2["run"]
PY
}
# same_ckpt A B [skip-queues]: two checkpoints of the same step hold the same bytes, file for
# file (skip-queues: but for the spike queues; the back ends may differ)
same_ckpt() {
    $PY - "$@" <<'PY'
import json, re, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
skip = len(sys.argv) > 3
assert a["step"] == b["step"] and a["lanes"] == b["lanes"], (a["step"], b["step"])
q = re.compile(r"(lane\d+\.)?snn_spk(cnt)?_")
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"] if not (skip and q.search(f["piece"]))}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"] if not (skip and q.search(f["piece"]))}
assert fa == fb, [k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k)]
for want in ["rank0/E_V", "rank0/lane3.E_V", "rank0/lane1.snn_in1_E",
             "rank0/lane2.run.spike_count"] + ([] if skip else ["rank0/lane3.snn_spk_E"]):
    assert want in fa, (want, sorted(fa))
PY
}

# --- 4 lanes: T + restore = 2T -------------------------------------------------------------
G="$WORK/g"
emulated "$G" "$WORK/bt.lua" bt ""
sim="$G/emu"
F=spikes_S.npy,spikes_E.npy,spikes_I.npy,E_V.npy,I_V.npy,E_refrac.npy
"$sim" --time 100 --quiet --output "$WORK/full" --set checkpoint.dir="$WORK/ck_full" \
    --set checkpoint.at_end=true
"$sim" --time 50 --quiet --output "$WORK/a" --set checkpoint.dir="$WORK/ck" \
    --set checkpoint.at_end=true
grep -q '"step": 500,' "$WORK/ck/manifest.json" || fail "no checkpoint of step 500"
"$sim" --time 100 --quiet --output "$WORK/b" --restore "$WORK/ck" \
    --set checkpoint.dir="$WORK/ck_b" --set checkpoint.at_end=true
concat "$WORK/full" "$WORK/a" "$WORK/b" 4 "$F" || fail "restored run differs"
same_ckpt "$WORK/ck_full" "$WORK/ck_b" || fail "the state at 2T differs"
ok "4 lanes: T + checkpoint + restore = 2T, bitwise (every lane's spikes, states, counts; every piece at 2T)"

# the C back end's batched layout: its checkpoint at step 500 holds the same pieces
"$SNNCC" -q "$WORK/bt.lua" -o "$WORK/c"
"$WORK/c/bt" --time 50 --quiet --output "$WORK/c_a" --set checkpoint.dir="$WORK/ck_c" \
    --set checkpoint.at_end=true
same_ckpt "$WORK/ck" "$WORK/ck_c" skip-queues || fail "the pieces are not the C back end's"
ok "every lane's pieces are the C back end's (but for the spike queues), byte for byte"

# every_steps 330: the last before 1500 is step 1320 (in a recording block)
"$sim" --time 150 --quiet --output "$WORK/ev" --set checkpoint.dir="$WORK/ck_ev" \
    --set checkpoint.every_steps=330
grep -q '"step": 1320,' "$WORK/ck_ev/manifest.json" || fail "every_steps: $(grep step "$WORK/ck_ev/manifest.json")"
"$sim" --time 150 --quiet --output "$WORK/ev_b" --restore "$WORK/ck_ev"
concat "$WORK/ev" - "$WORK/ev_b" 4 "$F" 132 || fail "every_steps: restored run differs"
ok "checkpoint.every_steps (step 1320, mid recording block) restores, bitwise"

# fault injections in the host half: E's V not copied back; E's spike queue not copied
# back; every lane's state put into lane 0's block
for inj in '/snn_cu_lane_copy([0-9]*, b, E_V,/d' '/snn_cu_queue_lane(1, b,/d' \
    's/snn_ck_lane_io(snn_ck_cur, 1)/snn_ck_lane_io(0, 1)/'; do
    rm -rf "$WORK/bad"
    emulated "$G" "$WORK/bt.lua" bt "" "$inj" emu_bad
    "$G/emu_bad" --time 100 --quiet --output "$WORK/bad" --restore "$WORK/ck"
    if concat "$WORK/full" "$WORK/a" "$WORK/bad" 4 "$F" >/dev/null 2>&1; then
        fail "fault injection '$inj': the comparison passed"
    fi
done
ok "fault injections (a variable or a spike queue not copied back, lanes into lane 0): the comparison fails"

# --- sources.lua, 3 lanes: spike-source cursors, dendritic rings ---------------------------
S="$WORK/s"
emulated "$S" tests/cuda/sources.lua sources "-D batch=3"
"$S/emu" --time 120 --quiet --output "$S/full"
"$S/emu" --time 60 --quiet --output "$S/a" --set checkpoint.dir="$S/ck" --set checkpoint.at_end=true
grep -q '"rank0/lane2.snn_dd0_P"' "$S/ck/manifest.json" || fail "sources: no ring of lane 2"
"$S/emu" --time 120 --quiet --output "$S/b" --restore "$S/ck"
concat "$S/full" "$S/a" "$S/b" 3 spikes_S.npy,spikes_P.npy || fail "sources: restored run differs"
ok "3 lanes with spike-source cursors and dendritic rings: T + restore = 2T, bitwise"

# --- batch_cu.lua, 3 lanes: custom updates over lanes (per-lane variables, reductions per
# lane, batch_sum / batch_max, values held once, a runtime parameter), T = 21 steps, between
# two runs of the groups (every 4 steps)
C="$WORK/cu"
emulated "$C" tests/cuda/batch_cu.lua bcu ""
RO=(--set params.Use.eta=0.02) # a runtime parameter of a custom update
"$C/emu" --time 40 --quiet --output "$C/full" "${RO[@]}"
"$C/emu" --time 21 --quiet --output "$C/a" "${RO[@]}" --set checkpoint.dir="$C/ck" --set checkpoint.at_end=true
"$C/emu" --time 40 --quiet --output "$C/b" "${RO[@]}" --restore "$C/ck"
concat "$C/full" "$C/a" "$C/b" 3 Out_V.npy,Out_pi.npy,Out_G.npy,Out_U.npy,GSum_k.npy,Use_c.npy ||
    fail "batch_cu: restored run differs"
ok "3 lanes with custom updates over lanes (reductions per lane, over the lanes, held once): T + restore = 2T, bitwise"

# --- refused, nothing run ---------------------------------------------------------------------
refused() { # what pattern sim args...
    local what=$1 pat=$2
    shift 2
    if "$@" --time 100 --quiet --output "$WORK/x_$what" 2>"$WORK/err_$what"; then
        fail "$what: restored"
    fi
    grep -q "$pat" "$WORK/err_$what" || fail "$what: $(cat "$WORK/err_$what")"
    [ ! -e "$WORK/x_$what" ] || fail "$what: an output directory was made"
}
refused batch "error: --set 'batch=2': --restore: the checkpoint '.*/ck' holds 4 batch lanes, this run has 2: restore it with batch 4" \
    "$sim" --restore "$WORK/ck" --set batch=2
cp -r "$WORK/ck" "$WORK/ck_bad"
ckpt_poke "$WORK/ck_bad" rank0/lane3.E_V 5 '\x7f'
refused corrupt "error: --restore: checkpoint file '.*/ck_bad/rank0/state.bin', piece 'rank0/lane3.E_V' (bytes [0-9]*\.\.[0-9]*), is corrupt" \
    "$sim" --restore "$WORK/ck_bad"
refused other "error: --restore: '.*/s/ck/manifest.json' is a checkpoint of another model: model 'sources'" \
    "$sim" --restore "$S/ck"
ok "another batch size, a corrupt lane file, another model's checkpoint: refused, nothing run"
