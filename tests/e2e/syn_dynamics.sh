#!/usr/bin/env bash
# Synapse code 'dynamics' (docs/language.md, weight update models): run for every synapse
# in every step, last (after the neuron updates and the pre/post code), seeing params,
# synapse vars (writable), pre/post variables, the pre and post neurons' variables
# (z_pre, V_post), dt, t and random draws keyed by (projection, "dynamics", step, synapse).
#   1. exact values against closed forms / a NumPy recurrence: w *= exp(-dt/tau) decays
#      as w0 e^{-n dt/tau}; u driven by V_post (a neuron whose V is the step count); c sums
#      z_pre and t; q = x + y reads the traces after their own dynamics of the step; in
#      snapshots every 50 steps and at the end, for an all_to_all and a fixed_probability
#      projection;
#   2. a random plastic network (on_pre/on_post too, draws in dynamics): synapse
#      recordings and checksums bitwise the same for 1, 2, 3 threads and 1, 2 MPI ranks
#      (V_post, no _pre: --mpi refuses it), and for 1 and 2 threads with z_pre;
#   3. the CUDA back end in the CPU emulation: bitwise the C back end's states, which the
#      synapse dynamics drives (weights delivered into a recorded variable);
#   6. the dense row loop: read-only w not stored, vectorised, bitwise the sparse loop's;
#   7. the sparse row loop (targets' variables gathered through the index): its copy for
#      long rows marked SNN_IVDEP and vectorised by gcc, bitwise a build without vectorisation, with
#      multapses; a row loop with add_to_post or add_to_pre is not marked.
set -euo pipefail
source tests/lib/cuda_emu.sh
source tests/lib/mpi.sh
RT="$PWD/$BUILD"
# gcc (not clang) as cc: its -fopt-info-vec says which loops it vectorised (Debian's
# `cc --version` does not name gcc, so ask the preprocessor)
cc_is_gcc() {
    local m
    m=$(cc -dM -E -x c /dev/null 2>/dev/null) || return 1
    grep -q '__GNUC__' <<<"$m" && ! grep -q '__clang__' <<<"$m"
}

# --- 1. closed forms ------------------------------------------------------------------
cat >"$WORK/dyn.lua" <<'EOF'
network { name = "dyn", dt = 0.1, seed = 7, precision = "double" }
local ramp = neuron { name = "ramp", vars = { V = 0.0 }, sim = "V += 1.0;" }
local src = neuron { name = "src", vars = { z = 0.0 }, sim = "z = id + 0.5;" }
local syn = synapse { name = "dsyn", params = { tau = 20.0, tau_u = 5.0 },
  vars = { w = 1.0, u = 0.0, c = 0.0, q = 0.0 },
  pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  pre_dynamics = "x += 1.0;", post_dynamics = "y += 2.0;",
  dynamics = [[
    w *= exp(-dt / tau);
    u += dt * (V_post - u) / tau_u;
    c += z_pre * 0.001 + 1e-3 * t;
    q = x + y;
  ]] }
local S = population { "S", src, 3 }
local P = population { "P", ramp, 4 }
projection { S, P, name = "A2A", conn = all_to_all(), synapse = syn, delay = 0.1 }
projection { S, P, name = "FP", conn = fixed_probability(0.5), synapse = syn, delay = 0.1,
             weight = 2.0 }
record { A2A = { "w", "u", "c", "q" }, FP = { "w", "c", every = 50 } }
EOF
"$SNNCC" -q "$WORK/dyn.lua" -o "$WORK/dyn"
"$WORK/dyn/dyn" --time 20 --quiet --output "$WORK/dyn_out"
$PY - "$WORK/dyn_out" <<'PY'
import math, sys
import numpy as np
out = sys.argv[1]
dt, tau, tau_u, n = 0.1, 20.0, 5.0, 200
# the recurrences, step s = 0 .. n-1, after the neuron updates (V = s + 1, z = id + 0.5)
w, u, c = 1.0, 0.0, np.zeros(3)
for s in range(n):
    w *= math.exp(-dt / tau)
    u += dt * ((s + 1.0) - u) / tau_u
    c += (np.arange(3) + 0.5) * 0.001 + 1e-3 * (s * dt)
close = lambda a, b: abs(a - b) <= 1e-13 * max(1.0, abs(b))
assert close(w, math.exp(-n * dt / tau)), (w, math.exp(-n * dt / tau))
for name, want in (("w", lambda r: w), ("u", lambda r: u), ("c", lambda r: c[r["pre"]]),
                   ("q", lambda r: 3.0 * n)):
    rec = np.load(f"{out}/A2A_{name}.npy")
    assert len(rec) == 12 and (rec["t"] == 20.0).all(), rec
    for r in rec:
        assert close(r["v"], want(r)), (name, r, want(r))
# fixed_probability, snapshots after steps 0, 50, 100, 150 (at (s + 1) dt) and the end
# of the run (after step 199)
fp_w, fp_c = np.load(f"{out}/FP_w.npy"), np.load(f"{out}/FP_c.npy")
k = len(fp_w) // 5
assert len(fp_w) == 5 * k and 0 < k < 12, len(fp_w)
for i, s in enumerate((0, 50, 100, 150, 199)):
    part = fp_w[i * k:(i + 1) * k]
    assert np.allclose(part["t"], (s + 1) * dt, rtol=0, atol=1e-12), part["t"]
    want = 2.0 * math.exp(-dt / tau) ** (s + 1)
    assert all(abs(v - want) <= 1e-13 for v in part["v"]), (s, part["v"], want)
    cs = sum((np.arange(3) + 0.5) * 0.001 + 1e-3 * (q * dt) for q in range(s + 1))
    assert all(abs(r["v"] - cs[r["pre"]]) <= 1e-12 for r in fp_c[i * k:(i + 1) * k])
print(f"w = {w:.15f} = e^-1; u = {u:.12f}; c = {c}; {k} synapses in FP")
PY
echo "ok   closed forms: exponential decay, V_post-driven, z_pre and t, traces"

# a synapse's own name wins over a neuron variable of the same spelling (with a warning)
cat >"$WORK/clash.lua" <<'EOF'
network { name = "clash", dt = 0.1, seed = 7, precision = "double" }
local ramp = neuron { name = "ramp", vars = { V = 0.0 }, sim = "V += 1.0;" }
local s = synapse { name = "s", vars = { w = 0.0, V_post = 5.0, got = 0.0 },
                    dynamics = "got = V_post;" }
local P = population { "P", ramp, 2 }
projection { P, P, name = "PP", conn = one_to_one(), synapse = s }
record { PP = "got" }
EOF
"$SNNCC" "$WORK/clash.lua" -o "$WORK/clash" 2>"$WORK/clash_err"
grep -q "clash.lua:6: warning: projection 'PP': synapse 's' has its own 'V_post', which hides variable 'V' of the postsynaptic population 'P' in its code" "$WORK/clash_err" \
    || { cat "$WORK/clash_err"; fail "no warning for the hidden V_post"; }
"$WORK/clash/clash" --time 1 --quiet --output "$WORK/clash_out"
$PY -c "import numpy as np, sys; v = np.load(sys.argv[1])['v']; assert (v == 5.0).all(), v" \
    "$WORK/clash_out/PP_got.npy"
ok "a synapse variable named V_post hides the target's V (warning), and is what the code reads"

# --- 2. threads and ranks ---------------------------------------------------------------
net() { # name, the synapse's dynamics code
cat <<EOF
network { name = "$1", dt = 0.1, seed = 11, precision = "double" }
local pv = neuron { name = "pv", params = { rate = 40.0 }, vars = { V = 0.0 },
                    sim = "V = -65.0 + 10.0 * uniform();",
                    threshold = "V < -65.0 + 10.0 * rate * dt * 0.001" }
local S = population { "S", pv, 50 }
local E = population { "E", lif, 41, init = { V = uniform(-70.0, -55.0) } }
current_source { E, noise { mean = 250.0, sd = 300.0 } }
local elig = synapse { name = "elig",
  params = { A = 2.0, tau_e = 50.0, eta = 0.05, w_max = 300.0 },
  vars = { w = 100.0, e = 0.0, r = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  on_pre = "e -= A * y;",
  on_post = "e += A * x;",
  pre_spike = "x += 1.0;", post_spike = "y += 1.0;",
  pre_dynamics = "x *= exp(-dt / 20.0);", post_dynamics = "y *= exp(-dt / 20.0);",
  dynamics = [[$2]] }
projection { S, E, name = "SE", conn = fixed_probability(0.3), synapse = elig,
             weight = uniform(50.0, 150.0), delay = 0.5, psm = exp_curr(2.0) }
projection { E, E, name = "EE", conn = all_to_all(), synapse = elig { A = 1.0 },
             weight = 20.0, delay = 0.2, psm = exp_curr(2.0) }
record { E = "spikes", SE = { "w", "e", "r" }, EE = { "w", "r", every = 500 } }
EOF
}
DYN='e *= exp(-dt / tau_e); r += uniform();
w = fmin(w_max, fmax(0.0, w + eta * e * (V_post + 65.0) * dt + 0.01 * normal()));'
net rnd "$DYN" >"$WORK/rnd.lua"
net rndp "$DYN w += 1e-3 * (V_pre + 65.0);" >"$WORK/rndp.lua"
"$SNNCC" -q "$WORK/rnd.lua" -o "$WORK/r1"
"$SNNCC" -q --mpi "$WORK/rnd.lua" -o "$WORK/rm"
"$SNNCC" -q "$WORK/rndp.lua" -o "$WORK/rp"
"$WORK/r1/rnd" --time 300 --quiet --output "$WORK/rref"
"$WORK/rp/rndp" --time 300 --quiet --output "$WORK/rpref"
$PY - "$WORK/rref" "$WORK/rpref" <<'PY'
import sys
import numpy as np
a, b = sys.argv[1], sys.argv[2]
r = np.load(f"{a}/SE_r.npy")["v"]
# r sums 3000 uniform draws per synapse: mean 1500, sd sqrt(3000/12) = 15.8
assert abs(r.mean() - 1500.0) < 5.0 and 10.0 < r.std() < 22.0, (r.mean(), r.std())
assert len(np.unique(r)) == len(r), "two synapses drew the same numbers"
assert len(np.load(f"{a}/spikes_E.npy")) > 100
wa, wb = np.load(f"{a}/SE_w.npy")["v"], np.load(f"{b}/SE_w.npy")["v"]
assert (wa != wb).any(), "V_pre changed nothing"
PY
for t in 2 3; do
    "$WORK/r1/rnd" --time 300 --quiet --output "$WORK/r_t$t" --set threads=$t
    same_outputs "$WORK/rref" "$WORK/r_t$t" "V_post, $t threads"
done
"$WORK/rp/rndp" --time 300 --quiet --output "$WORK/rp_t2" --set threads=2
same_outputs "$WORK/rpref" "$WORK/rp_t2" "V_pre, 2 threads"
for np in 1 2; do
    "${MPIRUN[@]}" -np $np "$WORK/rm/rnd" --time 300 --quiet --output "$WORK/r_r$np"
    same_outputs "$WORK/rref" "$WORK/r_r$np" "V_post, $np rank(s)"
done
"${MPIRUN[@]}" -np 2 "$WORK/rm/rnd" --time 300 --quiet --output "$WORK/r_2x2" --set threads=2
same_outputs "$WORK/rref" "$WORK/r_2x2" "V_post, 2 ranks x 2 threads"
# --mpi refuses V_pre, with the line of the code
if "$SNNCC" --check --mpi "$WORK/rndp.lua" 2>"$WORK/err"; then fail "--mpi accepted V_pre"; fi
grep -q "rndp.lua:[0-9]*: error: synapse 'elig' dynamics code (projection 'SE'): 'V_pre' reads the presynaptic neuron's variable, which --mpi does not support" "$WORK/err" \
    || { cat "$WORK/err"; fail "no --mpi error for V_pre"; }
ok "--mpi refuses V_pre with the model's line"

# --- 3. the CUDA back end (CPU emulation) -------------------------------------------------
# each target gets one synapse of each projection (a row of 40 from one source, and
# one_to_one), so the delivered sums do not depend on the order of additions
cat >"$WORK/cu.lua" <<'EOF'
network { name = "cu", dt = 0.1, seed = 3, precision = "double" }
local drive = neuron { name = "drive", params = { rate = 0.08 }, vars = { V = 0.0, acc = 0.0 },
  sim = "V += rate + 0.02 * uniform();", threshold = "V > 1.0", reset = "V = 0.0;" }
local syn = synapse { name = "dsyn", params = { tau = 30.0 },
  vars = { w = 0.5, m = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },
  pre_spike = "x += 1.0;", pre_dynamics = "x *= exp(-dt / 10.0);",
  post_spike = "y += 1.0;", post_dynamics = "y *= exp(-dt / 10.0);",
  dynamics = [[
    m += 0.01 * (V_post - V_pre) * dt + 1e-3 * normal();
    w = w * exp(-dt / tau) + 0.01 * (x - y) + 0.02 * m + 1e-4 * t;
  ]] }
local One = population { "One", drive, 1 }
local D = population { "D", drive, 40, init = { V = uniform(0.0, 1.0) } }
local P = population { "P", drive { rate = 0.05 }, 40, init = { V = uniform(0.0, 1.0) } }
projection { One, P, name = "OP", conn = all_to_all(), synapse = syn, delay = 0.1, target = "acc" }
projection { D, P, name = "DP", conn = one_to_one(), synapse = syn, delay = 0.3, target = "acc" }
record { P = { "spikes", "acc" }, D = "spikes" }
EOF
d="$WORK/emu"
"$SNNCC" -q "$WORK/cu.lua" -o "$d/c"
"$d/c/cu" --time 100 --quiet --output "$d/out-c"
"$SNNCC" -q -S -b cuda "$WORK/cu.lua" -o "$d/gen"
sed -E 's/([A-Za-z_:]+)<<<([^>]*)>>>\((.*)\);/snn_emu_launch(\2, [\&] { \1(\3); });/' \
    "$d/gen/cu.cu" >"$d/gen/emu.cc"
grep -q 'snn_emu_launch(snn_grid, SNN_BLOCK, 0, snn_stream, \[&\] { snn_dev::snn_k_syn_dynamics' "$d/gen/emu.cc" \
    || grep -q 'snn_k_syn_dynamics' "$d/gen/emu.cc"
g++ -std=c++17 -O1 -DSNN_BLOCK=32 -Wno-unknown-pragmas -Itests/cuda/emu \
    -I"$RT/include/snncc" -c "$d/gen/emu.cc" -o "$d/emu.o"
# shellcheck disable=SC2086 # SNNCC_CFLAGS: the sanitizers under make asan
cc -O2 -fopenmp -ffp-contract=off ${SNNCC_CFLAGS:-} -I"$RT/include/snncc" -c "$d/gen/cu.c" -o "$d/host.o"
# shellcheck disable=SC2086
g++ -fopenmp ${SNNCC_CFLAGS:-} -o "$d/emu" "$d/host.o" "$d/emu.o" "$(emu_runtime "")" \
    "$RT/lib/libsnnrt.a" -lyaml -lm
"$d/emu" --time 100 --quiet --output "$d/out-emu"
grep -q '"device": "CPU emulation' "$d/out-emu/cuda.json"
for f in spikes_P spikes_D P_acc; do
    cmp "$d/out-c/$f.npy" "$d/out-emu/$f.npy" || fail "CUDA emulation: $f.npy differs from the C back end"
done
$PY - "$d/out-c" <<'PY'
import sys
import numpy as np
acc = np.load(f"{sys.argv[1]}/P_acc.npy")["v"]
j = np.diff(acc, axis=0)
j = j[j != 0]
assert len(j) > 50 and len(np.unique(j)) > len(j) // 2, (len(j), len(np.unique(j)))
PY
ok "CUDA emulation: bitwise the C back end's spikes and delivered weights"

# --- 5. the synapse's neurons' indices and extra global parameters ----------------------
cat >"$WORK/ids.lua" <<'EOF2'
network { name = "ids", dt = 0.1, seed = 2, precision = "double" }
local quiet = neuron { name = "quiet", vars = { V = 0.0 }, egp = { "g" }, sim = "V += 0.0;",
                       threshold = "V > 1.0", reset = "V = 0.0;" }
local s = synapse { name = "s", vars = { w = 0.0, q = 0.0 }, pre_vars = { x = 0.0 },
                    post_vars = { y = 0.0 },
                    dynamics = "q = g_pre[id_pre] * 100.0 + g_post[id_post] + id_pre * 1000.0 + id_post * 10000.0;",
                    pre_dynamics = "x = g_pre[id_pre] + id_pre;",
                    post_dynamics = "y = g_post[id_post] + id_post;" }
local A = population { "A", quiet, 3, egp = { g = { 1.0, 2.0, 3.0 } } }
local B = population { "B", quiet, 5, egp = { g = { 0.1, 0.2, 0.3, 0.4, 0.5 } } }
projection { A, B, name = "AB", conn = all_to_all(), synapse = s }
record { AB = "q" }
EOF2
"$SNNCC" -q "$WORK/ids.lua" -o "$WORK/ids"
"$SNNCC" -q --mpi "$WORK/ids.lua" -o "$WORK/idsm"
"$WORK/ids/ids" --time 1 --quiet --output "$WORK/ids_1"
"$WORK/ids/ids" --time 1 --quiet --output "$WORK/ids_t3" --set threads=3
"${MPIRUN[@]}" -np 2 "$WORK/idsm/ids" --time 1 --quiet --output "$WORK/ids_r2"
cmp "$WORK/ids_1/AB_q.npy" "$WORK/ids_t3/AB_q.npy" || fail "id/egp: 3 threads differ"
cmp "$WORK/ids_1/AB_q.npy" "$WORK/ids_r2/AB_q.npy" || fail "id/egp: 2 ranks differ"
$PY - "$WORK/ids_1" <<'PY'
import sys
import numpy as np
r = np.load(f"{sys.argv[1]}/AB_q.npy")
ga, gb = [1.0, 2.0, 3.0], [0.1, 0.2, 0.3, 0.4, 0.5]
assert len(r) == 15
for x in r:
    i, j = int(x["pre"]), int(x["post"])
    want = ga[i] * 100.0 + gb[j] + i * 1000.0 + j * 10000.0
    assert x["v"] == want, (i, j, x["v"], want)
PY
ok "id_pre, id_post and the neurons' extra global parameters in synapse code: exact, threads, ranks"

# --- 6. the dense row loop: read-only variables not written back, vectorised, exact ------
# docs/performance.md "Per-synapse dynamics against memory bandwidth": a variable the code
# only reads (w here) is loaded but never stored back; the dense dynamics loop runs over
# contiguous rows (gcc vectorises it: checked with -fopt-info-vec where cc is gcc); its
# results are bitwise those of the sparse rows' loop (the same arithmetic per synapse).
for fmt in dense sparse; do
    cat >"$WORK/dv_$fmt.lua" <<EOF2
network { name = "dv", dt = 1.0, seed = 3, precision = "float", batch = 2 }
local src = neuron { name = "src", vars = { z = 0.0 }, sim = "z = 0.5 * z + 0.001 * id + 0.01 * t;" }
local tgt = neuron { name = "tgt", vars = { V = 0.0 }, sim = "V = 0.9 * V + 0.01 * id;" }
local s = synapse { name = "s", params = { a = 0.95 }, vars = { w = 0.5, e = 0.0, f = 0.0 },
                    shared = { "w" },
                    dynamics = "e = a * e + z_pre * V_post; f = f * 0.5 + w * e + id_post;" }
local S = population { "S", src, 37 }
local T = population { "T", tgt, 29 }
projection { S, T, name = "ST", conn = all_to_all(), format = "$fmt", synapse = s }
record { ST = { "e", "f" } }
EOF2
    "$SNNCC" -q "$WORK/dv_$fmt.lua" -o "$WORK/dv_$fmt" --keep
    "$WORK/dv_$fmt/dv" --time 20 --quiet --output "$WORK/dv_${fmt}_out" --set threads=2
done
for f in lane0/ST_e.npy lane0/ST_f.npy lane1/ST_e.npy lane1/ST_f.npy; do
    [ -f "$WORK/dv_dense_out/$f" ] || f=$(basename "$f")
    cmp "$WORK/dv_dense_out/$f" "$WORK/dv_sparse_out/$f" || fail "dense rows: $f differs from sparse"
done
sed -n '/^static void snn_syn_dynamics_ST(/,/^}/p' "$WORK/dv_dense/dv.c" >"$WORK/dv_fn.c"
grep -q 'snn_svt_e\[snn_k\] = e;' "$WORK/dv_fn.c" || fail "dense rows: e not stored"
if grep -q 'snn_w\[[a-z_]*\] = w;' "$WORK/dv_fn.c" "$WORK/dv_sparse/dv.c"; then
    fail "the read-only weight w is written back"
fi
if cc_is_gcc; then
    line=$(grep -n 'for (uint32_t snn_k = 0; snn_k < snn_n; snn_k++)' "$WORK/dv_dense/dv.c" | cut -d: -f1)
    [ -n "$line" ] || fail "dense rows: no row loop"
    cc -O3 -march=x86-64-v3 -ffp-contract=off -fopenmp -I"$RT/include/snncc" -c \
        "$WORK/dv_dense/dv.c" -o "$WORK/dv.o" -fopt-info-vec-optimized 2>"$WORK/vec.log"
    grep -q "dv.c:$line:.*loop vectorized" "$WORK/vec.log" ||
        fail "dense rows: gcc did not vectorise the dynamics loop (line $line; $WORK/vec.log)"
fi
ok "dense dynamics rows: bitwise the sparse loop's, read-only w not stored, vectorised"

# --- 7. the sparse row loop: independent iterations, vectorised with gathers, exact -------
# docs/performance.md "e-prop at 512 hidden": the dynamics over sparse rows read the
# targets' variables through the index (V_post, the post trace psi: gathers); each synapse
# writes only its own variables, so the copy of the row loop that rows of at least
# SNN_DYN_VEC_MIN (16) synapses run (snn_syn_dynamics_<proj>_row) is marked SNN_IVDEP (gcc cannot check the gathers
# against the synapse arrays' stores at run time and without the mark does not vectorise).
# Rows of fixed_outdegree(40) with multapses (two synapses of a row onto one target), 300
# targets (16-bit index); its results are bitwise those of the same simulator
# built with -fno-tree-vectorize (same arithmetic per synapse, no reassociation).  The
# projection with add_to_post and the one with add_to_pre (a sum carried from synapse to
# synapse) are not marked.
cat >"$WORK/sv.lua" <<'EOF2'
network { name = "sv", dt = 1.0, seed = 5, precision = "float" }
local src = neuron { name = "src", vars = { z = 0.0 }, inputs = { "Efb" },
                     sim = "z = 0.5 * z + 0.001 * id + 0.01 * t + 1e-4 * Efb;" }
local tgt = neuron { name = "tgt", vars = { V = 0.0 }, sim = "V = 0.9 * V + 0.01 * id + 0.001 * Isyn;" }
local s = synapse { name = "s", params = { a = 0.95 }, vars = { w = 0.5, e = 0.0, f = 0.0 },
                    pre_vars = { zb = 0.0 }, post_vars = { psi = 0.0 },
                    pre_dynamics = "zb = 0.8 * zb + z_pre;",
                    post_dynamics = "psi = 0.7 * psi + 0.01 * V_post;",
                    dynamics = [[
                      scalar e0 = psi * zb;
                      e = a * e + e0;
                      f += e * V_post + 0.001 * (V_post - 0.01) * e0 + w * id_post;
                    ]] }
local pushy = synapse { name = "pushy", vars = { w = 0.25, c = 0.0 },
                        dynamics = "c = c * 0.5 + V_post; add_to_post(0.01 * c);" }
local pull = synapse { name = "pull", vars = { w = 0.25 }, dynamics = "add_to_pre(w * V_post);" }
local S = population { "S", src, 37 }
local T = population { "T", tgt, 300 }
projection { S, T, name = "ST", conn = fixed_outdegree(40), synapse = s }
projection { S, T, name = "SP", conn = fixed_probability(0.2), synapse = pushy }
projection { S, T, name = "TP", conn = fixed_probability(0.2), synapse = pull, pre_input = "Efb" }
record { ST = { "e", "f" }, SP = { "c" } }
EOF2
"$SNNCC" -q "$WORK/sv.lua" -o "$WORK/sv_vec" --keep
SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -fno-tree-vectorize" "$SNNCC" -q "$WORK/sv.lua" -o "$WORK/sv_scalar"
for b in vec scalar; do
    "$WORK/sv_$b/sv" --time 30 --quiet --output "$WORK/sv_${b}_out"
done
for f in ST_e.npy ST_f.npy SP_c.npy; do
    [ -f "$WORK/sv_vec_out/$f" ] || fail "sparse rows: no $f"
    cmp "$WORK/sv_vec_out/$f" "$WORK/sv_scalar_out/$f" ||
        fail "sparse rows: $f of the vectorised build differs from the scalar build's"
done
$PY - "$WORK/sv_vec_out/ST_f.npy" <<'PY'
import sys, numpy as np
f = np.load(sys.argv[1])
v = f["v"]
assert f.size == 37 * 40 and np.isfinite(v).all() and (v != 0).sum() > 0.9 * f.size, f.shape
pairs = set(zip(f["pre"].tolist(), f["post"].tolist()))
assert len(pairs) < f.size, "no multapses in the rows"
PY
fn() { sed -n "/^static .*void snn_syn_dynamics_$1(/,/^}/p" "$WORK/sv_vec/sv.c"; }
fn ST_row | grep -q 'SNN_IVDEP' || fail "sparse rows: the row loop of ST is not marked SNN_IVDEP"
fn ST | grep 'snn_l >= SNN_DYN_VEC_MIN' >/dev/null || fail "sparse rows: ST calls no row function"
for p in SP TP; do
    [ -z "$(fn "${p}_row")" ] && ! fn "$p" | grep -q 'SNN_IVDEP' ||
        fail "sparse rows: $p (add_to_post/pre) is marked SNN_IVDEP"
done
if cc_is_gcc; then
    line=$(fn ST_row | grep -n -A1 'SNN_IVDEP' | grep 'for (uint64_t snn_pos' | cut -d- -f1 || true)
    first=$(grep -n '^static .*void snn_syn_dynamics_ST_row(' "$WORK/sv_vec/sv.c" | cut -d: -f1 || true)
    [ -n "$line" ] && [ -n "$first" ] || fail "sparse rows: no marked row loop in snn_syn_dynamics_ST"
    line=$((first + line - 1))
    cc -O3 -march=x86-64-v3 -ffp-contract=off -fopenmp -I"$RT/include/snncc" -c \
        "$WORK/sv_vec/sv.c" -o "$WORK/sv.o" -fopt-info-vec-optimized 2>"$WORK/svec.log"
    grep -q "sv.c:$line:.*loop vectorized" "$WORK/svec.log" ||
        fail "sparse rows: gcc did not vectorise the dynamics loop (line $line; $WORK/svec.log)"
fi
ok "sparse dynamics rows: SNN_IVDEP (not with add_to_post/pre), vectorised, bitwise the scalar build's"

# --- 8. runs of short rows: gathered, one vectorised loop across rows, exact -------------
# docs/performance.md "Short rows in runs": rows of fewer than SNN_DYN_VEC_MIN synapses
# whose slots follow each other are taken together (up to SNN_DYN_RUN = 256 slots) by
# snn_syn_dynamics_<proj>_run: the post values gathered into buffers (scalar loads in one
# pass, or snn_gather's gather instructions), the pre values copied per slot by the row loop
# (snn_gpv), then one loop over the slots.  fixed_probability(0.03) of 300 targets (rows of about 9,
# 37 rows, a few of them of 16 or more: runs of short rows between long ones, of lengths
# that are not multiples of 8: the gathers' masked tail), double precision in a second model (4-wide gathers); bitwise the scalar row loop
# (-DSNN_DYN_RUN_MIN=1000000: no run is long enough), with gather instructions
# (-DSNN_GATHER_HW=1: AVX-512's where the compiler targets it, else AVX2's; and AVX2's with
# -mno-avx512f where it targets AVX-512, so that both paths run), and with 3 threads.
avx512=0
echo | cc -march=native -dM -E - 2>/dev/null | grep -q '__AVX512F__' && avx512=1
for prec in float double float3; do
    # float3: a third post value (psi2), so that the caller packs them four a target with
    # snn_pack4 (AVX2: 8 targets a step, 300 = 37 x 8 + 4: and a scalar tail); float and
    # double: two (psi, V_post), packed two a target by the caller's loop (run_post_pack)
    p=${prec%3}
    sed -e "s/precision = \"float\"/precision = \"$p\"/" \
        -e 's/conn = fixed_outdegree(40)/conn = fixed_probability(0.03)/' "$WORK/sv.lua" >"$WORK/sr.lua"
    if [ "$prec" = float3 ]; then
        sed -i -e 's/post_vars = { psi = 0.0 }/post_vars = { psi = 0.0, psi2 = 0.0 }/' \
            -e 's/post_dynamics = "psi = 0.7 \* psi + 0.01 \* V_post;"/post_dynamics = "psi = 0.7 * psi + 0.01 * V_post; psi2 = 0.5 * psi2 + psi;"/' \
            -e 's/scalar e0 = psi \* zb;/scalar e0 = psi * zb + 0.01 * psi2;/' "$WORK/sr.lua"
        grep -q 'e0 = psi \* zb + 0.01 \* psi2' "$WORK/sr.lua" || fail "short rows: no float3 model"
    fi
    "$SNNCC" -q "$WORK/sr.lua" -o "$WORK/sr_run" --keep
    SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -DSNN_DYN_RUN_MIN=1000000u" "$SNNCC" -q "$WORK/sr.lua" \
        -o "$WORK/sr_row"
    SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -DSNN_GATHER_HW=1" "$SNNCC" -q "$WORK/sr.lua" -o "$WORK/sr_hw" \
        --keep
    builds="run row hw"
    if [ "$avx512" = 1 ]; then
        SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -DSNN_GATHER_HW=1 -mno-avx512f" "$SNNCC" -q "$WORK/sr.lua" \
            -o "$WORK/sr_hw2"
        builds="$builds hw2"
    fi
    for b in $builds; do
        "$WORK/sr_$b/sv" --time 30 --quiet --output "$WORK/sr_${b}_out"
    done
    "$WORK/sr_run/sv" --time 30 --quiet --output "$WORK/sr_t3_out" --set threads=3
    for f in ST_e.npy ST_f.npy; do
        cmp "$WORK/sr_run_out/$f" "$WORK/sr_row_out/$f" ||
            fail "short rows ($prec): $f of the runs differs from the scalar row loop's"
        cmp "$WORK/sr_hw_out/$f" "$WORK/sr_row_out/$f" ||
            fail "short rows ($prec): $f of the runs with gather instructions differs from the row loop's"
        [ "$avx512" = 0 ] || cmp "$WORK/sr_hw2_out/$f" "$WORK/sr_row_out/$f" ||
            fail "short rows ($prec): $f of the runs with AVX2 gathers differs from the row loop's"
        cmp "$WORK/sr_run_out/$f" "$WORK/sr_t3_out/$f" ||
            fail "short rows ($prec): $f with 3 threads differs from 1 thread's"
    done
    $PY - "$WORK/sr_run_out/ST_f.npy" <<'PY'
import sys, numpy as np
f = np.load(sys.argv[1])
v = f["v"]
n = f.size
assert n > 256 and np.isfinite(v).all() and (v != 0).sum() > 0.9 * n, n
rows = np.bincount(f["pre"], minlength=37)
assert (rows < 16).sum() >= 30 and rows.max() >= 16, rows  # runs, broken by a long row
PY
    if [ "$prec" = float3 ]; then
        S=4 pack='snn_pack4(snn_gpk, snn_qv_ST_psi + snn_plo, snn_qv_ST_psi2 + snn_plo, T_V + snn_plo, NULL'
    else
        S=2 pack='snn_gpk\[2 \* (size_t)snn_k + 1\] = T_V\[snn_plo + snn_k\];'
    fi
    sed -n '/^static .*void snn_syn_dynamics_ST_run(/,/^}/p' "$WORK/sr_run/sv.c" >"$WORK/sr_fn.c"
    sed -n '/^static .*void snn_syn_dynamics_ST(/,/^}/p' "$WORK/sr_run/sv.c" >"$WORK/sr_loop.c"
    grep -q 'snn_gather(snn_gv[0-9]*, snn_qv_ST_psi, snn_gpost' "$WORK/sr_fn.c" &&
        grep -q 'snn_gather(snn_gv[0-9]*, T_V, snn_gpost' "$WORK/sr_fn.c" &&
        grep -q "memcpy(snn_gk + $S \\* (size_t)snn_i, snn_gpk + $S \\* (size_t)snn_kk" "$WORK/sr_fn.c" &&
        grep -q 'snn_gk\[[24] \* snn_i + 0\]' "$WORK/sr_fn.c" &&
        grep -q "$pack" "$WORK/sr_loop.c" &&
        grep -q 'const scalar \*restrict snn_gv[0-9]* = snn_gpv' "$WORK/sr_fn.c" &&
        grep -q 'snn_v0 = snn_pv_ST_zb\[snn_r\];' "$WORK/sr_loop.c" ||
        fail "short rows ($prec): snn_syn_dynamics_ST_run does not gather psi, V_post (packed by the caller: $pack), or zb is not the row loop's"
    ! grep -q 'snn_gather(snn_gv[0-9]*, snn_pv_ST_zb' "$WORK/sr_fn.c" ||
        fail "short rows ($prec): snn_syn_dynamics_ST_run gathers the pre value zb"
    if [ "$avx512" = 1 ] && cc_is_gcc; then
        # (into a file: grep -q closing the pipe early fails the pipeline under pipefail)
        objdump -d "$WORK/sr_hw/sv" >"$WORK/sr_hw.dis"
        grep -q 'vgatherdp[sd] .*zmm' "$WORK/sr_hw.dis" ||
            fail "short rows ($prec): no AVX-512 gather in the -DSNN_GATHER_HW=1 build"
    fi
    # A rewired projection (a connectivity update that never removes: rows sorted by
    # target) forms its runs in every step instead of once (the static rows' plan); its rows
    # keep room to grow, so no two are contiguous: runs of one row, taken by the run
    # function only with SNN_DYN_RUN_MIN=1. The same per-synapse values as the static
    # rows' loop, compared after sorting by (t, pre, post).
    sed -e 's/^projection { S, T, name = "ST"/local STp = projection { S, T, name = "ST"/' \
        "$WORK/sr.lua" >"$WORK/srw.lua"
    echo 'connectivity_update { name = "rw", projection = STp, every = 7, remove = "w < -1e30" }' \
        >>"$WORK/srw.lua"
    SNNCC_CFLAGS="${SNNCC_CFLAGS:-} -DSNN_DYN_RUN_MIN=1u" "$SNNCC" -q "$WORK/srw.lua" -o "$WORK/srw" --keep
    grep -q 'snn_syn_dynamics_ST_run(step, snn_t' "$WORK/srw/sv.c" && ! grep -q 'dyn_plan' "$WORK/srw/sv.c" ||
        fail "short rows ($prec): the rewired model does not form its runs step by step"
    "$WORK/srw/sv" --time 30 --quiet --output "$WORK/srw_out"
    $PY - "$WORK/sr_row_out" "$WORK/srw_out" <<'PY' || fail "short rows ($prec): the rewired projection's runs differ from the static rows' loop"
import sys, numpy as np
for f in ("ST_e.npy", "ST_f.npy"):
    a, b = (np.load(d + "/" + f) for d in sys.argv[1:3])
    a, b = (x[np.lexsort((x["post"], x["pre"], x["t"]))] for x in (a, b))
    assert a.shape == b.shape and a.size > 256, (f, a.shape, b.shape)
    for k in ("t", "pre", "post"):
        assert (a[k] == b[k]).all(), (f, k)
    assert a["v"].tobytes() == b["v"].tobytes(), f
PY
done
ok "short rows in runs: post values gathered (scalar, AVX2, AVX-512; packed two or four a target), pre values per row, bitwise the scalar row loop's (float, double, float with 3 post values)"
