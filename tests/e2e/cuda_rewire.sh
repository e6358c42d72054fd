#!/usr/bin/env bash
# Connectivity updates on the CUDA back end (docs/cuda.md "Connectivity updates"), run in
# the CPU emulation (tests/cuda/emu, as tests/e2e/cuda_emulated.sh) and compared with the C
# back end's simulator bitwise: spikes, synapse snapshots (pairs and every recorded
# variable, copied back from the device), run.json's connectivity_updates counts.
#   - tests/e2e/struct_plast/rewire.lua mode 0 (removal predicate with draws, add.count
#     and add.target from the row stream, add.init with draws, on_post counting target
#     spikes: the column view rebuilt on the device), with both propagation strategies;
#   - mode 1 (add.total = n_removed: the distributor on the device);
#   - tests/e2e/rewire_vars/model.lua (custom-update variables moved with their synapse and
#     initialised, a name two updates share, removal by a custom-update variable,
#     add.redraw, triggered by a custom-update group);
#   - tests/e2e/rewire_cand/cand.lua modes 0 and 1 (candidates drawn without replacement,
#     candidates.remove / candidates.add, candidates.total, all-or-none rows) and
#     rewire_vars mode 1 (candidates forming synapses with custom-update variables);
#   - synapse dynamics with add_to_post (its kernel walks the rebuilt column view);
#   - a target out of range stops the run with the C back end's message;
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
    for n in sp0pre rv1; do
        "$NVCC" $EMU_NVCC_OPT -std=c++17 --fmad=false -arch=sm_90 -I"$RT/include/snncc" \
            -c "$WORK/$n/gen/$(basename "$(find "$WORK/$n/gen" -name "*.cu" | head -n 1)")" \
            -o "$WORK/$n/nvcc.o" || fail "nvcc: $n"
    done
    echo "ok: nvcc -arch=sm_90 compiles the generated connectivity updates"
else
    echo "SKIP: nvcc not found ($NVCC): the device code is not compiled for a GPU"
fi
