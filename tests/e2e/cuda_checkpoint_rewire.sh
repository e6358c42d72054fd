#!/usr/bin/env bash
# Checkpoints of rewired projections on the CUDA back end (docs/cuda.md "Checkpoints", issue
# 16 item 5), the generated code run in the CPU emulation (tests/cuda/emu, as
# tests/e2e/cuda_rewire.sh): the device's rows (lengths, targets), weights, every synapse
# variable (custom-update ones too) and the update's counters copied out into the C back
# end's format (pieces snn_syn_<P>.rows, snn_rw_<u>) and back, the column views rebuilt on
# the device.
#   - tests/e2e/struct_plast/rewire.lua mode 0 (removal and additions with draws, on_post
#     counting target spikes: the column view must follow the restored rows): T steps +
#     checkpoint + --restore to 2T = 2T steps: spikes, synapse snapshots (w, c), counts,
#     final checksum and run.json's connectivity_updates counters bitwise, and the
#     checkpoints both runs write at 2T file for file; checkpoint.every_steps between two
#     updates;
#   - the checkpoint holds the C back end's pieces: its rows, weights, synapse variables and
#     counters at step T are the C simulator's bytes (the emulation's arithmetic is the
#     host's; a restore across back ends stays refused, as tests/e2e/cuda_checkpoint.sh);
#   - tests/e2e/rewire_vars/model.lua (custom-update variables on the synapses, add.redraw,
#     a group trigger) and its mode 1 (candidates): T + restore = 2T bitwise;
#   - tests/e2e/rewire_lanes/model.lua (4 batch lanes: the shared rows, every lane's
#     synapse and custom-update variables) and tests/e2e/rewire_delays/model.lua (per-synapse
#     delays moved with their synapses): T + restore = 2T, every lane's recordings bitwise;
#   - fault injections (the restored rows, or the counters, not copied back; the column view
#     not rebuilt) make the comparison fail;
#   - a corrupt rows file and another model's checkpoint: refused, nothing run.
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh    # emu_runtime
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/ckpt_signal.sh # sigterm_checkpoint
source tests/lib/ckpt_piece.sh # ckpt_has, ckpt_poke
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export SNN_HEARTBEAT_S=0.2

# emulated DIR MODEL "snncc options" [host|device SED]: the emulated CUDA simulator DIR/emu;
# with a fault injection, SED applied to the generated host half (the device half is
# DIR0's, the first build's) or to the device half
emulated() {
    local d=$1 model=$2 sopts=$3 half=${4:-} expr=${5:-} base
    # shellcheck disable=SC2086
    "$SNNCC" -q -S -b cuda $sopts "$model" -o "$d/gen"
    base=$(basename "$(find "$d/gen" -name "*.cu" | head -n 1)" .cu)
    sed -E 's/([A-Za-z0-9_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$base.cu" >"$d/gen/emu.cc"
    if [ -n "$half" ]; then
        local f="$d/gen/$base.c"
        [ "$half" = host ] || f="$d/gen/emu.cc"
        cp "$f" "$f.orig"
        sed -i "$expr" "$f"
        if cmp -s "$f" "$f.orig"; then fail "fault injection '$expr': no change"; fi
    fi
    if [ "$half" = host ]; then
        cp "$DIR0/emu.o" "$d/emu.o"
    else
        g++ -std=c++17 $EMU_OPT -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
            -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
    fi
    # shellcheck disable=SC2086 # SNNCC_CFLAGS: the sanitizers under make asan
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" \
        -c "$d/gen/$base.c" -o "$d/host.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
        "$RT/lib/libsnnrt.a" -lyaml -lm
}

# concat FULL FIRST SECOND T_MS VARS: FIRST's spikes (or .part) followed by SECOND's equal
# FULL's (FIRST "-": FULL's after T_MS are SECOND's); FULL's synapse snapshots of VARS
# (comma-separated) after T_MS are SECOND's; counts, final checksums and the connectivity
# update's counters of SECOND equal FULL's.
concat() {
    $PY - "$@" <<'PY'
import json, os, sys
import numpy as np
full, first, second, T, vs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
def load(d, f):
    p = f"{d}/{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
x = load(full, "spikes_E.npy")
if first == "-":
    x, y = x[x["t"] > T + 1e-9], load(second, "spikes_E.npy")
else:
    y = np.concatenate([load(first, "spikes_E.npy"), load(second, "spikes_E.npy")])
assert x.tobytes() == y.tobytes(), f"spikes: {len(x)} vs {len(y)}"
assert len(x) > 0 or "w" not in vs, "no spikes"  # rewire_vars: no input, no spikes
for v in vs.split(","):
    f = f"SE_{v}.npy"
    x, b = load(full, f), load(second, f)
    assert len(b) and b["t"].min() > T + 1e-9, f"{f}: the restored run's snapshots start at {b['t'].min()}"
    assert x[x["t"] > T + 1e-9].tobytes() == b.tobytes(), f"{f}: snapshots after {T} ms differ"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
assert r2["model"]["backend"] == "cuda", r2["model"]
assert [p["spikes"] for p in r1["populations"]] == [p["spikes"] for p in r2["populations"]]
p1, p2 = r1["projections"][0], r2["projections"][0]
assert p1 == p2, (p1, p2)
c1, c2 = r1["connectivity_updates"][0], r2["connectivity_updates"][0]
for k in ("runs", "removed", "added", "failed", "synapses", "redrawn", "full_row_draws"):
    assert c1.get(k) == c2.get(k), (k, c1, c2)
assert c1["removed"] > 0 and c1["added"] > 0, c1
assert r2["status"] == "complete" and r2["run"]["restored_from"]["step"] > 0, r2["run"]
PY
}
# same_ckpt A B [PIECES]: two checkpoints hold the same bytes, file for file (PIECES: only
# those, comma-separated; the manifests' back ends may differ then)
same_ckpt() {
    $PY - "$@" <<'PY'
import json, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
assert a["step"] == b["step"], (a["step"], b["step"])
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"]}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"]}
want = sys.argv[3].split(",") if len(sys.argv) > 3 else None
for k in want or []:
    assert "rank0/" + k in fa and fa.get("rank0/" + k) == fb.get("rank0/" + k), k
if not want:
    assert fa == fb, [k for k in fa if fa.get(k) != fb.get(k)]
    assert "rank0/snn_syn_SE.rows" in fa and "rank0/snn_rw_rw" in fa, sorted(fa)
PY
}

# --- rewire.lua mode 0: T + restore = 2T ---------------------------------------------------
M=tests/e2e/struct_plast/rewire.lua
DIR0="$WORK/g"
emulated "$DIR0" "$M" "-D mode=0"
sim="$DIR0/emu"
"$sim" --time 100 --quiet --output "$WORK/full" --set checkpoint.dir="$WORK/ck_full" \
    --set checkpoint.at_end=true
"$sim" --time 50 --quiet --output "$WORK/a" --set checkpoint.dir="$WORK/ck" \
    --set checkpoint.at_end=true
grep -q '"step": 500,' "$WORK/ck/manifest.json" || fail "no checkpoint of step 500"
"$sim" --time 100 --quiet --output "$WORK/b" --restore "$WORK/ck" \
    --set checkpoint.dir="$WORK/ck_b" --set checkpoint.at_end=true
concat "$WORK/full" "$WORK/a" "$WORK/b" 50 w,c || fail "restored run differs"
same_ckpt "$WORK/ck_full" "$WORK/ck_b" || fail "the state at 2T differs"
ok "rewired rows (rewire.lua): T + checkpoint + restore = 2T, bitwise (spikes, snapshots, counts, counters, every piece at 2T)"

# the C back end's pieces: at step 500 its checkpoint holds the same rows, values, counters
"$SNNCC" -q -D mode=0 "$M" -o "$WORK/c"
"$WORK/c/rewire" --time 50 --quiet --output "$WORK/c_a" --set checkpoint.dir="$WORK/ck_c" \
    --set checkpoint.at_end=true
same_ckpt "$WORK/ck" "$WORK/ck_c" snn_syn_SE.rows,snn_syn_SE.weight,snn_sv_SE_c,snn_rw_rw,E_V ||
    fail "the CUDA checkpoint's rewired pieces are not the C back end's"
if "$sim" --time 100 --quiet --output "$WORK/x" --restore "$WORK/ck_c" 2>"$WORK/x.err"; then
    fail "a C checkpoint restored on CUDA"
fi
grep -q "was written by the c back end, this simulator uses the cuda back end" "$WORK/x.err" ||
    fail "across back ends: $(cat "$WORK/x.err")"
ok "the rows, weights, synapse variables and counters are the C back end's pieces, bytes equal; across back ends refused"

# every_steps 333: the last before 1500 is step 1332 (updates run after every 10th step)
"$sim" --time 150 --quiet --output "$WORK/ev" --set checkpoint.dir="$WORK/ck_ev" \
    --set checkpoint.every_steps=333
grep -q '"step": 1332,' "$WORK/ck_ev/manifest.json" || fail "every_steps: $(grep step "$WORK/ck_ev/manifest.json")"
"$sim" --time 150 --quiet --output "$WORK/ev_b" --restore "$WORK/ck_ev"
concat "$WORK/ev" - "$WORK/ev_b" 133.2 w,c || fail "every_steps: restored run differs"
ok "checkpoint.every_steps (step 1332, between two updates) restores, bitwise"

# fault injections: the restored rows not copied to the device (host half), the counters
# and column view not restored (host half), the column view not rebuilt (device half)
for inj in 'host /snn_cu_put([0-9]*, &snn_syn_SE\[0\]/d' 'host /snn_cu_rw_ckpt(1)/d' \
    'device /^            snn_cu_rw_columns(/d'; do
    rm -rf "$WORK/gbad" "$WORK/bad"
    emulated "$WORK/gbad" "$M" "-D mode=0" "${inj%% *}" "${inj#* }"
    "$WORK/gbad/emu" --time 100 --quiet --output "$WORK/bad" --restore "$WORK/ck"
    if concat "$WORK/full" "$WORK/a" "$WORK/bad" 50 w,c >/dev/null 2>&1; then
        fail "fault injection '$inj': the comparison passed"
    fi
done
ok "fault injections (rows, counters, column view not restored on the device): the comparison fails"

# bad input: a corrupt rows file, another model's checkpoint
cp -r "$WORK/ck" "$WORK/ck_bad"
ckpt_poke "$WORK/ck_bad" rank0/snn_syn_SE.rows 3 '\x7f'
if "$sim" --time 100 --quiet --output "$WORK/x_bad" --restore "$WORK/ck_bad" 2>"$WORK/x_bad.err"; then
    fail "a corrupt checkpoint restored"
fi
grep -q "error: --restore: checkpoint file '.*/rank0/state.bin', piece 'rank0/snn_syn_SE.rows' (bytes [0-9]*\.\.[0-9]*), is corrupt" "$WORK/x_bad.err" ||
    fail "corrupt rows: $(cat "$WORK/x_bad.err")"

# --- rewire_vars: custom-update variables on the synapses, add.redraw; mode 1 candidates ---
for mode in 0 1; do
    d="$WORK/v$mode"
    emulated "$d" tests/e2e/rewire_vars/model.lua "-D mode=$mode"
    "$d/emu" --time 100 --quiet --output "$d/full"
    "$d/emu" --time 50 --quiet --output "$d/a" --set checkpoint.dir="$d/ck" \
        --set checkpoint.at_end=true
    grep -q '"rank0/snn_cuv_Acc_s"' "$d/ck/manifest.json" || fail "rewire_vars: no custom-update piece"
    "$d/emu" --time 100 --quiet --output "$d/b" --restore "$d/ck"
    concat "$d/full" "$d/a" "$d/b" 50 a,b,c2,d || fail "rewire_vars mode $mode: restored run differs"
done
ok "rewire_vars (custom-update variables on the synapses, add.redraw; candidates): T + restore = 2T, bitwise"

if "$sim" --time 100 --quiet --output "$WORK/x_other" --restore "$WORK/v0/ck" 2>"$WORK/x_other.err"; then
    fail "another model's checkpoint restored"
fi
grep -q "error: --restore: '.*/v0/ck/manifest.json' is a checkpoint of another model: model 'rewire_vars' with hash" \
    "$WORK/x_other.err" || fail "another model: $(cat "$WORK/x_other.err")"
if [ -e "$WORK/x_other" ] || [ -e "$WORK/x_bad" ]; then fail "a refused restore made an output directory"; fi
ok "a corrupt rows file and another model's checkpoint: refused with the file and what differs, nothing run"

# --- batch lanes (rewire_lanes, 4 lanes) and per-synapse delays (rewire_delays) ------------
# lanes_split FULL FIRST SECOND T_MS FILES: in every lane, SECOND's records are FULL's after
# T_MS; spikes and state (E_x): FIRST's then SECOND's are FULL's
lanes_split() {
    $PY - "$@" <<'PY'
import os, sys
import numpy as np
full, first, second, T, files = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
lanes = [""] + sorted(d + "/" for d in os.listdir(full) if d.startswith("lane"))
for lane in lanes:
    for f in files.split(","):
        x, a, b = (np.load(f"{d}/{lane}{f}.npy") for d in (full, first, second))
        assert len(b) == (x["t"] > T + 1e-9).sum(), f"{lane}{f}: {len(b)} records after {T} ms"
        assert len(b) or f.startswith("spikes"), f"{lane}{f}: no records after {T} ms"
        assert x[x["t"] > T + 1e-9].tobytes() == b.tobytes(), f"{lane}{f}: differs after {T} ms"
        if f.startswith("spikes") or f == "E_x":  # (snapshots: one more at FIRST's end)
            assert np.concatenate([a, b]).tobytes() == x.tobytes(), f"{lane}{f}: differs"
print(len(lanes), "lanes")
PY
}
d="$WORK/lanes"
emulated "$d" tests/e2e/rewire_lanes/model.lua "-D mode=0"
"$d/emu" --time 50 --quiet --output "$d/full"
"$d/emu" --time 25 --quiet --output "$d/a" --set checkpoint.dir="$d/ck" --set checkpoint.at_end=true
"$d/emu" --time 50 --quiet --output "$d/b" --restore "$d/ck"
[ "$(lanes_split "$d/full" "$d/a" "$d/b" 25 spikes_E,SE_w,SE_x,SE_h,SE_a,SE_b,SE_c2,SE_d)" = "4 lanes" ] ||
    fail "rewire_lanes: restored run differs"
ok "rewire_lanes (4 lanes, every lane's synapse and custom-update variables): T + restore = 2T, bitwise"
d="$WORK/delays"
emulated "$d" tests/e2e/rewire_delays/model.lua "-D mode=0"
"$d/emu" --time 100 --quiet --output "$d/full"
"$d/emu" --time 50 --quiet --output "$d/a" --set checkpoint.dir="$d/ck" --set checkpoint.at_end=true
ckpt_has "$d/ck" rank0/snn_syn_SE.delay || fail "rewire_delays: no delays in the checkpoint"
"$d/emu" --time 100 --quiet --output "$d/b" --restore "$d/ck"
lanes_split "$d/full" "$d/a" "$d/b" 50 E_x,spikes_S >/dev/null || fail "rewire_delays: restored run differs"
ok "rewire_delays (per-synapse delays): T + restore = 2T, bitwise"
