#!/usr/bin/env bash
# Connectivity updates on the CUDA back end (docs/cuda.md "Connectivity updates"), run in
# the CPU emulation (tests/cuda/emu, as tests/e2e/cuda_emulated.sh) and compared with the C
# back end's simulator bitwise: spikes, synapse snapshots (pairs and every recorded
# variable, copied back from the device), run.json's connectivity_updates counts.
#   - tests/e2e/struct_plast/rewire.lua mode 0 (removal predicate with draws, add.count
#     and add.target from the row stream, add.init with draws, on_post counting target
#     spikes: the column view rebuilt on the device), with both propagation strategies;
#   - mode 1 (add.total = n_removed: the distributor on the device);
#   - tests/cuda/rewire_mpi.lua mode 4 (add.target reading row_length: the length after the
#     removals while the row grows);
#   - tests/e2e/rewire_vars/model.lua (custom-update variables moved with their synapse and
#     initialised, a name two updates share, removal by a custom-update variable,
#     add.redraw, triggered by a custom-update group);
#   - tests/e2e/rewire_cand/cand.lua modes 0 and 1 (candidates drawn without replacement,
#     candidates.remove / candidates.add, candidates.total, all-or-none rows) and
#     rewire_vars mode 1 (candidates forming synapses with custom-update variables);
#   - synapse dynamics with add_to_post (its kernel walks the rebuilt column view);
#   - per-synapse delays: tests/e2e/rewire_delays/model.lua modes 0 (add.init.delay, remove
#     reading the delay), 1 (the projection's delay initialiser keyed by the pair) and 2
#     (candidates), each also checked exactly by its check.py; a delay not moved in the
#     removal, or not moved up by an insertion, must make the comparison fail;
#   - batched models (the rows shared by the lanes): tests/e2e/rewire_lanes/model.lua (4
#     lanes; per-lane synapse and custom-update variables, one that differs between the
#     lanes, a shared one, add.init) modes 0 (add.redraw), 1 (candidates) and 2 (lane 0's
#     differing value decides the removals), and rewire_delays with 2 lanes: every lane's
#     snapshots and spikes identical to the C back end's lanes; a lane's variable not moved
#     in the removal, or a new synapse not initialised in a lane, must make it fail;
#   - a target out of range, and a new synapse's delay beyond the projection's longest,
#     stop the run with the C back end's message;
#   - a fault injected into the generated device code (one variable not moved in the
#     removal) must make the comparison fail;
#   - nvcc compiles the generated .cu (sm_90) where it is installed.
set -euo pipefail

RT="$PWD/$BUILD"
source tests/lib/cuda_emu.sh # emu_runtime
emu_quick # unoptimised builds (tests/lib/cuda_emu.sh)
fail() { echo "FAIL: $*"; exit 1; }

gen() { # name model "snncc options"
    local name=$1 model=$2 sopts=$3
    local d="$WORK/$name"
    # shellcheck disable=SC2086
    "$SNNCC" -q -S -b cuda $sopts "$model" -o "$d/gen"
    BASE=$(basename "$(find "$d/gen" -name "*.cu" | head -n 1)" .cu)
    sed -E 's/([A-Za-z0-9_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
        "$d/gen/$BASE.cu" >"$d/gen/emu.cc"
    # shellcheck disable=SC2086
    cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/$BASE.c" -o "$d/host.o"
}
link() { # name
    local d="$WORK/$1"
    # shellcheck disable=SC2086
    g++ -std=c++17 $EMU_OPT ${EMU_FLAGS:-} -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
        -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
    # shellcheck disable=SC2086
    g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "${EMU_FLAGS:-}")" \
        "$RT/lib/libsnnrt.a" -lyaml -lm
}
cref() { # name model "snncc options" "run options": the C simulator's outputs
    local d="$WORK/$1"
    # shellcheck disable=SC2086
    "$SNNCC" -q $3 "$2" -o "$d/c"
    # shellcheck disable=SC2086
    "$d/c/$BASE" $4 --quiet --output "$d/out-c"
}
same() { # name out-dir "run options" what: every .npy and the counts identical
    local d="$WORK/$1" o=$2
    # shellcheck disable=SC2086
    "$d/emu" $3 --quiet --output "$o"
    grep -q '"backend": "cuda"' "$o/run.json" || fail "$4: not the CUDA simulator"
    local n=0 f
    for f in "$d/out-c"/*.npy; do
        cmp -s "$f" "$o/$(basename "$f")" || { echo "$4: $(basename "$f") differs"; return 1; }
        n=$((n + 1))
    done
    $PY - "$d/out-c/run.json" "$o/run.json" "$4" <<'PY' || return 1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ca, cb = ({k: v for k, v in j["connectivity_updates"][0].items() if not k.endswith("_s")}
          for j in (a, b))
assert ca == cb, f"{sys.argv[3]}: connectivity_updates differ: {ca} vs {cb}"
assert ca["runs"] > 0 and ca["removed"] > 0 and ca["added"] > 0, ca
assert "update_s" in b["connectivity_updates"][0] and "columns_s" in b["connectivity_updates"][0]
for pa, pb in zip(a["populations"], b["populations"]):
    assert pa["spikes"] == pb["spikes"], f"{sys.argv[3]}: {pa['name']} spike counts differ"
assert sum(p["spikes"] for p in a["populations"]) > 0
print(f"{sys.argv[3]}: {ca}")
PY
    echo "ok: $4: spikes, synapse snapshots ($n files) and counts identical to the C back end"
}

SP=tests/e2e/struct_plast/rewire.lua
# mode 0, both propagation strategies
for span in pre post; do
    gen "sp0$span" $SP "-D mode=0 --cuda-span SE=$span"
    link "sp0$span"
    cref "sp0$span" $SP "-D mode=0" "--time 100"
    same "sp0$span" "$WORK/sp0$span/out-emu" "--time 100" "struct_plast mode 0, $span strategy" ||
        fail "struct_plast mode 0 ($span)"
done
grep -q "snn_k_rw_rw_remove" "$WORK/sp0pre/gen/rewire.cu" || fail "no removal kernel"
grep -q "snn_cu_rw_columns" "$WORK/sp0pre/gen/rewire.cu" || fail "no column rebuild"
# mode 1: add.total = n_removed
gen sp1 $SP "-D mode=1"
link sp1
cref sp1 $SP "-D mode=1" "--time 100"
same sp1 "$WORK/sp1/out-emu" "--time 100" "struct_plast mode 1 (add.total)" || fail "mode 1"
# add.target reading row_length: the row's length after the removals, though the row grows
# with each insertion (the C back end's; it read the growing length on the device)
RM=tests/cuda/rewire_mpi.lua
gen rlen $RM "-D mode=4"
link rlen
cref rlen $RM "-D mode=4" "--time 100"
same rlen "$WORK/rlen/out-emu" "--time 100" "add.target reading row_length" ||
    fail "add.target reading row_length"
# custom-update variables, add.redraw, a group trigger
RV=tests/e2e/rewire_vars/model.lua
gen rv $RV ""
link rv
cref rv $RV "" "--time 100"
same rv "$WORK/rv/out-emu" "--time 100" "rewire_vars (custom-update variables, redraw)" ||
    fail "rewire_vars"
$PY tests/e2e/rewire_vars/check.py "$WORK/rv/out-emu" >/dev/null || fail "rewire_vars: check.py"

# candidates = { ... }: a drawn count and probabilities (mode 0), candidates.total over the
# rows with full rows, all or none (mode 1); custom-update variables formed by candidates
RC=tests/e2e/rewire_cand/cand.lua
for mode in 0 1; do
    gen "rc$mode" $RC "-D mode=$mode"
    link "rc$mode"
    cref "rc$mode" $RC "-D mode=$mode" "--time 100"
    same "rc$mode" "$WORK/rc$mode/out-emu" "--time 100" "rewire_cand mode $mode (candidates)" ||
        fail "rewire_cand mode $mode"
done
$PY tests/e2e/rewire_cand/check.py "$WORK/rc0/out-emu" 33 0 >/dev/null || fail "rewire_cand: check.py"
gen rv1 $RV "-D mode=1"
link rv1
cref rv1 $RV "-D mode=1" "--time 100"
same rv1 "$WORK/rv1/out-emu" "--time 100" "rewire_vars mode 1 (candidates, custom-update variables)" ||
    fail "rewire_vars mode 1"

# synapse code dynamics with add_to_post: its kernel walks the column view, rebuilt too
cat >"$WORK/dyn.lua" <<'LUA'
network { name = "dyn", dt = 0.1, seed = 5, precision = "double" }
local S = population { "S", poisson { rate = 40.0 }, 12 }
local E = population { "E", lif, 10, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 300.0, sd = 300.0 } }
local leak = synapse { name = "leak", vars = { w = 1.0 }, dynamics = "add_to_post(w);" }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = leak,
  weight = uniform(0.0, 20.0), delay = 0.5, max_row_length = 8 }
connectivity_update { name = "rw", projection = P, every = 5, remove = "uniform() < 0.2",
  add = { count = "floor(uniform() * 3)", target = "floor(uniform() * N_post)",
          init = { w = "20.0 * uniform()" } } }
record { E = "spikes", SE = { "w", every = 5 } }
LUA
gen dyn "$WORK/dyn.lua" ""
link dyn
cref dyn "$WORK/dyn.lua" "" "--time 50"
same dyn "$WORK/dyn/out-emu" "--time 50" "dynamics with add_to_post on a rewired projection" ||
    fail "dynamics with add_to_post"

# an injected fault: the removal does not move the custom update Acc's variable s
d="$WORK/rv"
grep -q '^ *snn_cvt_Acc_s\[snn_o\] = snn_cvt_Acc_s\[snn_pos\];' "$d/gen/emu.cc" ||
    fail "the fault's line is not in the generated code"
sed -i '/^ *snn_cvt_Acc_s\[snn_o\] = snn_cvt_Acc_s\[snn_pos\];/d' "$d/gen/emu.cc"
link rv
if same rv "$d/out-fault" "--time 100" "fault injected" >"$d/fault.log" 2>&1; then
    fail "a variable not moved with its synapse went unnoticed"
fi
echo "ok: a variable not moved in the removal is caught ($(head -n 1 "$d/fault.log"))"

# per-synapse delays move with their synapses; a new one gets the C back end's delay
RD=tests/e2e/rewire_delays/model.lua
for mode in 0 1 2; do
    gen "rd$mode" $RD "-D mode=$mode"
    link "rd$mode"
    cref "rd$mode" $RD "-D mode=$mode" "--time 100"
    same "rd$mode" "$WORK/rd$mode/out-emu" "--time 100" "rewire_delays mode $mode (per-synapse delays)" ||
        fail "rewire_delays mode $mode"
    $PY tests/e2e/rewire_delays/check.py "$WORK/rd$mode/out-emu" $mode >/dev/null ||
        fail "rewire_delays mode $mode: check.py"
done
# injected faults: a delay that stays behind in the removal (candidates' kernel, mode 2) or
# in an insertion (mode 0)
d="$WORK/rd2"
grep -q '^ *snn_dl\[snn_o\] = snn_dl\[snn_pos\];' "$d/gen/emu.cc" || fail "no delay moved down in the removal"
sed -i '/^ *snn_dl\[snn_o\] = snn_dl\[snn_pos\];/d' "$d/gen/emu.cc"
link rd2
if same rd2 "$d/out-fault" "--time 100" "fault injected" >"$d/fault.log" 2>&1; then
    fail "a delay not moved with its synapse in the removal went unnoticed"
fi
d="$WORK/rd0"
grep -q '^ *snn_dl\[snn_p\] = snn_dl\[snn_p - 1u\];' "$d/gen/emu.cc" || fail "no delay moved up by an insertion"
sed -i '/^ *snn_dl\[snn_p\] = snn_dl\[snn_p - 1u\];/d' "$d/gen/emu.cc"
link rd0
if same rd0 "$d/out-fault" "--time 100" "fault injected" >"$d/fault.log" 2>&1; then
    fail "a delay not moved up by an insertion went unnoticed"
fi
echo "ok: a delay not moved with its synapse (removal, insertion) is caught"
# batched models: every lane's variables move with the shared rows
lanes_same() { # name what: same, then every other lane's files
    local n=$1 b f
    same "$n" "$WORK/$n/${3:-out-emu}" "--time 50" "$2" || return 1
    for b in 1 2 3; do
        [ -d "$WORK/$n/out-c/lane$b" ] || continue
        for f in "$WORK/$n/out-c/lane$b"/*.npy; do
            cmp -s "$f" "$WORK/$n/${3:-out-emu}/lane$b/$(basename "$f")" ||
                { echo "$2: lane $b $(basename "$f") differs"; return 1; }
        done
    done
    echo "ok: $2: every lane identical to the C back end's"
}
RL=tests/e2e/rewire_lanes/model.lua
for mode in 0 1 2; do
    gen "rl$mode" $RL "-D mode=$mode"
    link "rl$mode"
    cref "rl$mode" $RL "-D mode=$mode" "--time 50"
    lanes_same "rl$mode" "rewire_lanes mode $mode (4 lanes)" || fail "rewire_lanes mode $mode"
done
cmp -s "$WORK/rl0/out-c/SE_x.npy" "$WORK/rl0/out-c/lane1/SE_x.npy" &&
    fail "rewire_lanes: x is the same in lanes 0 and 1 (the test would miss a lane mixed up)"
gen rdb $RD "-D mode=0 -D batch=2"
link rdb
cref rdb $RD "-D mode=0 -D batch=2" "--time 50"
lanes_same rdb "rewire_delays with 2 lanes" || fail "rewire_delays with 2 lanes"
# injected faults: lane b's x not moved down in the removal (mode 0); a new synapse's x
# not set in the lanes after lane 0 (candidates, mode 1)
d="$WORK/rl0"
grep -q '^ *snn_lb_snn_sv_SE_x\[(size_t)snn_b \* snn_ls_snn_sv_SE_x + (snn_o)\] = ' "$d/gen/emu.cc" ||
    fail "no lane's x moved in the removal"
sed -i '/^ *snn_lb_snn_sv_SE_x\[(size_t)snn_b \* snn_ls_snn_sv_SE_x + (snn_o)\] = /d' "$d/gen/emu.cc"
link rl0
if lanes_same rl0 "fault injected" out-fault >"$d/fault.log" 2>&1; then
    fail "a lane's variable not moved with its synapse went unnoticed"
fi
d="$WORK/rl1"
grep -q '^ *snn_lb_snn_sv_SE_x\[(size_t)snn_b \* snn_ls_snn_sv_SE_x + (snn_lo)\] = snn_svt_x\[snn_lo\];' "$d/gen/emu.cc" ||
    fail "no lane's x set for a new synapse"
sed -i '/^ *snn_lb_snn_sv_SE_x\[(size_t)snn_b \* snn_ls_snn_sv_SE_x + (snn_lo)\] = snn_svt_x\[snn_lo\];/d' "$d/gen/emu.cc"
link rl1
if lanes_same rl1 "fault injected" out-fault >"$d/fault.log" 2>&1; then
    fail "a new synapse not initialised in every lane went unnoticed"
fi
echo "ok: a lane's variable not moved, or not initialised, is caught ($(grep -m1 differs "$d/fault.log"))"

# a new synapse's delay beyond the longest (4 ms): the C back end's message, at the end
cat >"$WORK/bad_delay.lua" <<'LUA'
network { name = "bad_delay", dt = 1.0 }
local S = population { "S", poisson { rate = 10.0 }, 4 }
local P = projection { S, population { "E", lif, 4 }, name = "SE", conn = one_to_one(),
                       weight = 1.0, delay = uniform(1.0, 4.0), max_row_length = 2 }
connectivity_update { name = "rw", projection = P, every = 1,
  add = { count = "1", target = "fmod(i + 1, N_post)",
          init = { delay = "2.0 + 4.0 * (t > 0 && id_pre == 2)" } } }
LUA
gen bad_delay "$WORK/bad_delay.lua" ""
link bad_delay
if "$WORK/bad_delay/emu" --time 5 --quiet --output "$WORK/bad_delay/out" 2>"$WORK/bad_delay/err"; then
    fail "a delay beyond the longest must stop the run"
fi
grep -q "error: connectivity update 'rw': the delay of new synapse 2 -> 3 is 6 ms, 6 steps of 1 ms, more than the 4 steps of projection 'SE''s longest delay" \
    "$WORK/bad_delay/err" || fail "delay beyond the longest: $(cat "$WORK/bad_delay/err")"
echo "ok: a new synapse's delay beyond the longest stops the run with the C back end's message"

# a target out of range: the run stops with the C back end's message (at the end)
cat >"$WORK/bad.lua" <<'LUA'
network { name = "bad", dt = 0.1, seed = 3 }
local S = population { "S", poisson { rate = 40.0 }, 8 }
local E = population { "E", lif, 6 }
local P = projection { S, E, name = "SE", conn = fixed_probability(0.3), weight = 1.0,
  max_row_length = 6 }
connectivity_update { name = "rw", projection = P, every = 5, remove = "uniform() < 0.2",
  add = { count = "i == 3 ? 1 : 0", target = "N_post + 1" } }
LUA
gen bad "$WORK/bad.lua" ""
link bad
if "$WORK/bad/emu" --time 2 --quiet --output "$WORK/bad/out" 2>"$WORK/bad/err"; then
    fail "a target out of range must stop the run"
fi
grep -q "error: connectivity update 'rw': add.target of source 3 is 7; it must be a whole number from 0 to 5" \
    "$WORK/bad/err" || fail "target out of range: $(cat "$WORK/bad/err")"
echo "ok: a target out of range stops the run with the C back end's message"

# nvcc, where installed: the generated device code compiles for sm_90
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
if [ -x "$NVCC" ]; then
    for n in sp0pre rv1 rd0 rd1 rd2 rl0 rl1 rdb; do
        "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -I"$RT/include/snncc" \
            -c "$WORK/$n/gen/$(basename "$(find "$WORK/$n/gen" -name "*.cu" | head -n 1)")" \
            -o "$WORK/$n/nvcc.o" || fail "nvcc: $n"
    done
    echo "ok: nvcc -arch=sm_90 compiles the generated connectivity updates"
else
    echo "SKIP: nvcc not found ($NVCC): the device code is not compiled for a GPU"
fi
