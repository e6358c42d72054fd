#!/usr/bin/env bash
# Checkpoints on the CUDA back end (docs/cuda.md "Checkpoints", issue 16 item 5), its
# generated code run in the CPU emulation (tests/cuda/emu, as tests/e2e/cuda_emulated.sh):
# a model with STDP, a dendritic delay ring (per-synapse delays), a poisson population and
# a poisson_input current source, state recording:
#   - T steps + checkpoint at the end + --restore to 2T = 2T steps, bitwise: spikes, the
#     recorded states (first run's files followed by the restored run's), spike counts, and
#     a checkpoint written at the end of both runs (every stored piece: neuron state, the
#     plastic weights, the pre/post traces, the spike queues, the rings);
#   - checkpoint.every_steps in the middle of a recording block, and SIGTERM: restored,
#     the records after the checkpoint equal the uninterrupted run's;
#   - fault injections make the comparison fail (the test can fail): a simulator whose
#     restore leaves the plastic weights or the spike queues on the device as they were
#     (their copy back deleted from the generated host half);
#   - the .cu and .c compile with nvcc -arch=sm_90 (when nvcc is installed);
#   - MPI (the emulated device half with -DSNN_MPI, 2 ranks, a static model with a
#     dendritic ring and a poisson population): T + restore = 2T on 2 ranks (and the state
#     at 2T file for file), and restored on 1 and on 3 ranks (re-partitioned): spikes bitwise;
#   - a checkpoint of the C back end restored on the CUDA one and back: refused, with the
#     reason (the order of atomics, libdevice's exp/log/pow).
set -euo pipefail
set -f
RT="$PWD/$BUILD"
source tests/cuda/../lib/cuda_emu.sh # emu_runtime
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
source tests/lib/ckpt_signal.sh       # await_step
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
export SNN_HEARTBEAT_S=0.2

cat >"$WORK/ckc.lua" <<'LUA'
network { name = "ckc", dt = 0.1, seed = 5 }
local S = population { "S", poisson { rate = 100.0 }, 20 }
local E = population { "E", lif, 30, init = { V = uniform(-70.0, -55.0) } }
local I = population { "I", lif, 10 }
current_source { I, poisson_input { rate = 8000.0, weight = 87.8 }, psm = exp_curr(0.5) }
current_source { E, dc { amp = 700.0 } }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = stdp { A_plus = 1.0,
             A_minus = 1.0, w_max = 100.0 }, weight = uniform(10.0, 20.0), delay = 1.2 }
projection { E, I, name = "EI", conn = fixed_indegree(5), weight = 50.0, delay = uniform(1.0, 4.0) }
projection { I, E, name = "IE", conn = fixed_probability(0.2), weight = -30.0, delay = 1.5 }
record { E = { "V", "spikes", every = 7 }, I = "spikes", S = "spikes" }
LUA

# the emulated CUDA simulator: DIR/emu
emulated() { # dir model [sed expression applied to the host half: a fault injection]
    local d=$1 model=$2
    "$SNNCC" -q -S -b cuda "$model" -o "$d/gen"
    if [ -n "${3:-}" ]; then
        sed -i "$3" "$d/gen/ckc.c"
        if cmp -s "$d/gen/ckc.c" "$WORK/g/gen/ckc.c"; then fail "fault injection '$3': no change"; fi
    fi
    if [ -n "${3:-}" ]; then # the device half is the first build's
        cp "$WORK/g/emu.o" "$d/emu.o"
    else
        sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
            "$d/gen/ckc.cu" >"$d/gen/emu.cc"
        emu_device "$d/gen/emu.cc" "$d/emu.o"
    fi
    local rt
    rt=$(emu_runtime "")
    # shellcheck disable=SC2086 # SNNCC_CFLAGS: the sanitizers under make asan
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} \
        -I"$RT/include/snncc" -c "$d/gen/ckc.c" -o "$d/host.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$rt" \
        "$RT/lib/libsnnrt.a" -lyaml -lm
}
emulated "$WORK/g" "$WORK/ckc.lua"
sim="$WORK/g/emu"

# concat FULL FIRST SECOND [T]: FIRST's recordings (or .part files) followed by SECOND's equal
# FULL's bitwise, and the spike counts; without FIRST ("-"): SECOND equals FULL's records
# after step T
concat() {
    $PY - "$@" <<'PY'
import json, os, sys
import numpy as np
full, first, second = sys.argv[1:4]
T = int(sys.argv[4]) if len(sys.argv) > 4 else None
def load(d, f):
    p = f"{d}/{f}"
    return np.load(p if os.path.exists(p) else p + ".part")
for f in ["spikes_E.npy", "spikes_I.npy", "spikes_S.npy", "E_V.npy"]:
    x = load(full, f)
    y = load(second, f)
    if first != "-":
        y = np.concatenate([load(first, f), y])
    else:
        x = x[x["t"] > T * 0.1 + 1e-9]
    assert len(x) > 0, f"{f}: empty"
    assert len(x) == len(y) and x.tobytes() == y.tobytes(), f"{f}: {len(x)} vs {len(y)} records differ"
r1, r2 = json.load(open(f"{full}/run.json")), json.load(open(f"{second}/run.json"))
if first != "-":
    assert [p["spikes"] for p in r1["populations"]] == [p["spikes"] for p in r2["populations"]], \
        (r1["populations"], r2["populations"])
assert r2["status"] == "complete" and r2["run"]["restored_from"]["step"] > 0, r2["run"]
PY
}
# same_ckpt A B: two checkpoints of the same step hold the same bytes, file for file
same_ckpt() {
    $PY - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
assert a["step"] == b["step"] and a["backend"] == "cuda", (a["step"], b["step"])
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"]}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"]}
assert fa == fb, [k for k in fa if fa.get(k) != fb.get(k)]
for want in ["rank0/E_V", "rank0/snn_syn_SE.weight", "rank0/snn_spk_E",
             "rank0/snn_spkcnt_S", "rank0/snn_dd0_I", "rank0/run.spike_count"]:
    assert want in fa, (want, sorted(fa))
PY
}

# --- T steps + restore to 2T = 2T steps --------------------------------------------------
"$sim" --time 200 --quiet --output "$WORK/full" --set checkpoint.dir="$WORK/ck_full" \
    --set checkpoint.at_end=true
"$sim" --time 100 --quiet --output "$WORK/a" --set checkpoint.dir="$WORK/ck" \
    --set checkpoint.at_end=true
grep -q '"step": 1000,' "$WORK/ck/manifest.json" || fail "no checkpoint of step 1000"
"$sim" --time 200 --quiet --output "$WORK/b" --restore "$WORK/ck" \
    --set checkpoint.dir="$WORK/ck_b" --set checkpoint.at_end=true
concat "$WORK/full" "$WORK/a" "$WORK/b" || fail "restored run differs"
grep -q '"backend": "cuda"' "$WORK/b/run.json" || fail "not the cuda back end"
same_ckpt "$WORK/ck_full" "$WORK/ck_b" || fail "the state at 2T differs"
ok "T + checkpoint + restore to 2T = 2T, bitwise (spikes, states, counts, every stored piece at 2T)"

# fault injections: the weights (or the spike queues) not copied back to the device
for inj in '/snn_cu_put([0-9]*, &snn_syn_SE/d' '/snn_cu_queue([0-9]*, snn_spk_S, snn_spkcnt_S, 1)/d'; do
    rm -rf "$WORK/gbad" "$WORK/bad" "$WORK/ck_bad"
    emulated "$WORK/gbad" "$WORK/ckc.lua" "$inj"
    "$WORK/gbad/emu" --time 200 --quiet --output "$WORK/bad" --restore "$WORK/ck" \
        --set checkpoint.dir="$WORK/ck_bad" --set checkpoint.at_end=true
    if concat "$WORK/full" "$WORK/a" "$WORK/bad" >/dev/null 2>&1 &&
        same_ckpt "$WORK/ck_full" "$WORK/ck_bad" >/dev/null 2>&1; then
        fail "fault injection '$inj': the comparison passed"
    fi
done
ok "fault injections (weights, spike queue not copied back to the device): the comparison fails"

# every_steps: the last multiple of 330 before 2000 is 1980 (in a recording block of 1000)
"$sim" --time 200 --quiet --output "$WORK/ev" --set checkpoint.dir="$WORK/ck_ev" \
    --set checkpoint.every_steps=330
grep -q '"step": 1980,' "$WORK/ck_ev/manifest.json" || fail "every_steps: $(grep step "$WORK/ck_ev/manifest.json")"
"$sim" --time 300 --quiet --output "$WORK/full3"
"$sim" --time 300 --quiet --output "$WORK/ev_b" --restore "$WORK/ck_ev"
concat "$WORK/full3" - "$WORK/ev_b" 1980 || fail "every_steps: restored run differs"
ok "checkpoint.every_steps (step 1980, mid recording block) restores, bitwise"

# SIGTERM: a checkpoint at the step boundary, exit 143; restored to 300 ms
d="$WORK/sig"
"$sim" --time 10000000 --quiet --output "$d" --set checkpoint.dir="$d.ck" &
pid=$!
await_step "$d"
kill -TERM $pid
st=0
wait $pid || st=$?
[ "$st" -eq 143 ] || fail "SIGTERM: exit status $st, not 143"
T=$(grep '"step"' "$d.ck/manifest.json" | tr -dc 0-9)
if [ "$T" -lt 3000 ]; then
    "$sim" --time 300 --quiet --output "$WORK/sig_b" --restore "$d.ck"
    concat "$WORK/full3" - "$WORK/sig_b" "$T" || fail "SIGTERM at step $T: restored run differs"
fi
ok "SIGTERM: checkpoint at step $T, exit 143, restored bitwise"

# --- across back ends: refused with the reason, nothing run --------------------------------
"$SNNCC" -q "$WORK/ckc.lua" -o "$WORK/c"
"$WORK/c/ckc" --time 100 --quiet --output "$WORK/c_a" --set checkpoint.dir="$WORK/ck_c" \
    --set checkpoint.at_end=true
refused() { # what expected-backends sim args...
    local what=$1 pat=$2
    shift 2
    if "$@" --time 200 --quiet --output "$WORK/x_$what" 2>"$WORK/err_$what"; then
        fail "$what: restored"
    fi
    grep -q "error: --restore: '.*/manifest.json' was written by the $pat back end: a checkpoint restores on the back end that wrote it (the cuda back end adds synaptic input by atomics, in no fixed order, and libdevice's exp, log and pow round differently" "$WORK/err_$what" ||
        fail "$what: $(cat "$WORK/err_$what")"
    [ ! -e "$WORK/x_$what" ] || fail "$what: an output directory was made"
}
refused c_on_cuda "c back end, this simulator uses the cuda" "$sim" --restore "$WORK/ck_c"
refused cuda_on_c "cuda back end, this simulator uses the c" "$WORK/c/ckc" --restore "$WORK/ck"
ok "a checkpoint of one back end restored on the other: refused with the reason"

# --- nvcc: the host and device halves as a GPU build compiles them (sm_90) ------------------
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
if [ -x "$NVCC" ]; then
    # snncc's default nvcc flags (sm_90 and compute_90 PTX: what -arch=sm_90 makes); other
    # flags would compile the runtime library's source too (cuda_compile.sh checks that)
    "$SNNCC" -q -b cuda "$WORK/ckc.lua" -o "$WORK/nv" 2>"$WORK/nv.err" || fail "nvcc: $(cat "$WORK/nv.err")"
    [ ! -e "$WORK/nv/snnrt_cuda.o" ] || fail "nvcc: the runtime library compiled again"
    [ ! -s "$WORK/nv.err" ] || fail "nvcc warnings: $(cat "$WORK/nv.err")"
    ok "the CUDA simulator with checkpoints compiles with nvcc -arch=sm_90 (no warnings)"
else
    echo "SKIP nvcc builds: nvcc not installed"
fi

# --- MPI: the exchange's host queues restored with the device's ---------------------------
source tests/lib/mpi.sh
sed -e 's/"ckc"/"ckm2"/' -e 's/, synapse = stdp { A_plus = 1.0,/,/' -e 's/^             A_minus = 1.0, w_max = 100.0 }, weight/             weight/' \
    "$WORK/ckc.lua" >"$WORK/ckm2.lua"
grep -q stdp "$WORK/ckm2.lua" && fail "ckm2.lua still plastic"
d="$WORK/gm"
"$SNNCC" -q -S -b cuda --mpi "$WORK/ckm2.lua" -o "$d/gen"
sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
    "$d/gen/ckm2.cu" >"$d/gen/emu.cc"
EMU_FLAGS=-DSNN_MPI=1 emu_device "$d/gen/emu.cc" "$d/emu.o"
# shellcheck disable=SC2086
mpicc -O2 -fopenmp -ffp-contract=off -DSNN_MPI=1 ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" \
    -c "$d/gen/ckm2.c" -o "$d/host.o"
# shellcheck disable=SC2086
mpicxx -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
    "$RT/lib/libsnnrt_mpi.a" -lyaml -lm
msim="$d/emu"
"${MPIRUN[@]}" -np 2 "$msim" --time 200 --quiet --output "$WORK/m_full" \
    --set checkpoint.dir="$WORK/mck_full" --set checkpoint.at_end=true
"${MPIRUN[@]}" -np 2 "$msim" --time 100 --quiet --output "$WORK/m_a" \
    --set checkpoint.dir="$WORK/mck" --set checkpoint.at_end=true
[ -d "$WORK/mck/rank1" ] || fail "MPI: no rank1 share"
"${MPIRUN[@]}" -np 2 "$msim" --time 200 --quiet --output "$WORK/m_b" --restore "$WORK/mck" \
    --set checkpoint.dir="$WORK/mck_b" --set checkpoint.at_end=true
concat "$WORK/m_full" "$WORK/m_a" "$WORK/m_b" || fail "MPI 2 ranks: restored run differs"
$PY - "$WORK/mck_full" "$WORK/mck_b" <<'PY' || fail "MPI 2 ranks: the state at 2T differs"
import json, sys
a, b = (json.load(open(d + "/manifest.json")) for d in sys.argv[1:3])
fa = {f["piece"]: (f["bytes"], f["crc32"]) for f in a["pieces"]}
fb = {f["piece"]: (f["bytes"], f["crc32"]) for f in b["pieces"]}
assert fa == fb and "rank1/snn_spk_E" in fa, [k for k in fa if fa.get(k) != fb.get(k)]
PY
for np in 1 3; do
    "${MPIRUN[@]}" -np $np "$msim" --time 200 --quiet --output "$WORK/m_b$np" --restore "$WORK/mck"
    concat "$WORK/m_full" "$WORK/m_a" "$WORK/m_b$np" || fail "MPI 2 ranks -> $np: restored run differs"
done
ok "MPI (emulated, exchange queues): T + restore = 2T on 2 ranks (state at 2T too), restored on 1 and 3 ranks"
