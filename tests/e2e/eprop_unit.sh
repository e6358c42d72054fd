#!/usr/bin/env bash
# The e-prop standard library (docs/language.md "e-prop"; ../shared/reference/eprop.md
# section 1.13, tests 1, 2 and 4, for a whole small network): 5 spike-array inputs -> 4
# hidden eprop_lif (then eprop_alif) neurons with recurrence -> 3 eprop_readout neurons, 60
# steps in double precision, the softmax and error every step, Adam every 20 steps.  Every
# recorded neuron variable (V, refrac, A, L, f; readout V, pi, E, gb, b, ce), the hidden
# spikes and every synapse variable (w, g, ebar, ea) of the three projections in every
# step are bitwise those of tests/lib/eprop_ref.py, a NumPy implementation of eprop.md's
# equations in the documented order (Adam's step-indexed bias correction over 3 steps
# included); the softmax is within 1e-15 relative of NumPy's and the summed cross-entropy
# within 1e-12 of NumPy's; the readout weights' gradient g is within 1e-6 of central
# differences of the loss (it is the exact gradient).  Each equation can fail the
# comparison: the reference with one equation changed (absolute instead of relative
# reset, psi not zero while refractory, psi normalised by A_th (ALIF), no ebar filter, no
# regulariser, the error's sign, Adam without bias correction or with the step count off
# by one, the membrane decay one ulp off, the output gradient with the current presynaptic
# trace) must disagree with the simulator.  1 and 2 threads, and 2 MPI ranks (ALIF), give
# bitwise the same files.  In single precision the spikes are the same and every value is
# within 1e-5 (of the variable's largest magnitude) of the double reference.
set -euo pipefail
source tests/lib/mpi.sh

model() { # kind (lif | alif)
    cat <<'LUA'
local kind = param("alif", 0) == 1 and "alif" or "lif"
network { name = "ep", dt = 1.0, seed = 7, precision = "double" }
local hid = kind == "alif" and eprop_alif or eprop_lif
local hsyn = kind == "alif" and eprop_alif_syn or eprop_lif_syn
local times = {}
for i = 1, 5 do
  local ts = {}
  for k = 1, 12 do ts[#ts + 1] = ((i * 7 + k * 13) % 59) + 1 end
  table.sort(ts)
  local u = {}
  for _, x in ipairs(ts) do if x ~= u[#u] then u[#u + 1] = x end end
  times[i] = u
end
local In = population { "In", spike_source_array { times = times }, 5 }
local H = population { "H", hid, 4 }
local Out = population { "Out", eprop_readout, 3 }
projection { In, H, name = "IH", conn = all_to_all(), format = "dense", synapse = hsyn,
             weight = normal(0.05, 0.2) }
projection { H, H, name = "HH", conn = all_to_all { autapses = false }, synapse = hsyn,
             weight = normal(0.05, 0.2) }
projection { H, Out, name = "HO", conn = all_to_all(), format = "dense", synapse = eprop_out_syn,
             weight = normal(0.0, 0.5), pre_input = "feedback" }
eprop_softmax { Out, label = 1 }
eprop_adam_step { Out, every = 20 }
eprop_adam { "IH", lr = 0.01 }
eprop_adam { "HH", lr = 0.01 }
eprop_adam { "HO", lr = 0.01 }
eprop_adam { Out, var = "b", grad = "gb", lr = 0.01 }
local hv = { "spikes", "V", "refrac", "L", "f", every = 1 }
local sv = { "w", "g", "ebar", every = 1 }
if kind == "alif" then hv[#hv + 1] = "A"; sv[#sv + 1] = "ea" end
record { In = "spikes", H = hv, Out = { "V", "pi", "E", "gb", "b", "ce", every = 1 } }
record { IH = sv, HH = sv, HO = { "w", "g", every = 1 } }
LUA
}
model >"$WORK/ep.lua"
for k in lif alif; do
    a=0; [ "$k" = alif ] && a=1
    "$SNNCC" -q "$WORK/ep.lua" -D alif=$a -o "$WORK/$k"
    "$WORK/$k/ep" --time 60 --quiet --output "$WORK/${k}_out"
    $PY tests/lib/eprop_ref.py "$WORK/${k}_out" $k
    muts="absolute_reset psi_while_refractory no_ebar_filter no_regulariser error_sign"
    muts="$muts adam_no_bias_correction adam_step_from_0 alpha_rounded output_trace_now"
    [ $k = alif ] && muts="$muts psi_over_athr"
    for mut in $muts; do
        if $PY tests/lib/eprop_ref.py "$WORK/${k}_out" $k $mut >"$WORK/mut.log" 2>&1; then
            echo "the reference with '$mut' agrees with the simulator ($k): the check cannot fail"
            exit 1
        fi
        grep -q MISMATCH "$WORK/mut.log"
    done
    "$WORK/$k/ep" --time 60 --quiet --output "$WORK/${k}_t2" --set threads=2 --set step_threads=2
    for f in "$WORK/${k}_out"/*.npy; do
        cmp "$f" "$WORK/${k}_t2/$(basename "$f")"
    done
    echo "ok - $k: bitwise the NumPy reference; each mutation of it fails; 2 threads the same"
done
# single precision: the same spikes, every value within 1e-5 of the double reference
# (relative to the variable's largest magnitude; eprop.md 1.13 asks 1e-5 relative in fp32)
sed 's/precision = "double"/precision = "float"/' "$WORK/ep.lua" >"$WORK/epf.lua"
for k in lif alif; do
    a=0; [ "$k" = alif ] && a=1
    "$SNNCC" -q "$WORK/epf.lua" -D alif=$a -o "$WORK/${k}_f"
    "$WORK/${k}_f/ep" --time 60 --quiet --output "$WORK/${k}_fout"
    $PY tests/lib/eprop_ref.py --float "$WORK/${k}_fout" $k
    for mut in absolute_reset error_sign adam_no_bias_correction; do
        if $PY tests/lib/eprop_ref.py --float "$WORK/${k}_fout" $k $mut >"$WORK/mut.log" 2>&1; then
            echo "float: the reference with '$mut' agrees with the simulator ($k)"
            exit 1
        fi
    done
    echo "ok - $k, float: within 1e-5 of the reference, the same spikes"
done
# Adam's step count T (a reduced value of eprop_adam_step) is read once before each Adam
# loop of the C back end (compiler/custom.c cu_hoist_refs), and the bias corrections s1 =
# 1 / (1 - pow(beta1, T)), s2 (declarations whose value is the same for every synapse) are
# computed once there (cu_hoist_decls): no pow call in the loop over the synapses (gcc did
# not take it out itself); the values are those above (bitwise the reference)
"$SNNCC" -S "$WORK/ep.lua" -o "$WORK/src"
$PY - "$WORK/src/ep.c" <<'PY'
import re, sys
c = open(sys.argv[1]).read()
for u in ("IH_adam", "HH_adam", "HO_adam"):
    b = c[c.index(f"/* custom update '{u}'"):]
    b = b[:b.index("custom update", 20)]
    h, loop, use = b.find("snn_h_T = snn_cuv_AdamStep_T"), b.find("for ("), b.find("snn_u_T = snn_h_T")
    assert 0 <= h < loop < use, (u, h, loop, use)
    assert "snn_u_T = snn_cuv_AdamStep_T" not in b, u
    for v in ("s1", "s2"):
        d = b.find(f"const scalar snn_hd_{v} = ")
        assert 0 <= d < loop and "pow" in b[d:b.index(";", d)], (u, v)
        assert re.search(rf"scalar snn_u_{v} = snn_hd_{v};", b[loop:]), (u, v)
    assert "pow" not in b[loop:], u
print("T read, s1 and s2 computed once before every Adam loop")
PY
"$SNNCC" -q --mpi "$WORK/ep.lua" -D alif=1 -o "$WORK/alif_mpi"
"${MPIRUN[@]}" -np 2 "$WORK/alif_mpi/ep" --time 60 --quiet --output "$WORK/alif_r2"
same_outputs "$WORK/alif_out" "$WORK/alif_r2" "alif, 2 MPI ranks"

# eprop_softmax's default label: the data set's, read by custom-update code (the example
# presented in the step that just ended): E = pi - one-hot(label) in every step
cat >"$WORK/dsl.lua" <<'LUA'
network { name = "dsl", dt = 1.0, precision = "double" }
local In = population { "In", spike_source_dataset { classes = 3 }, 4 }
local Out = population { "Out", eprop_readout, 3 }
projection { In, Out, conn = all_to_all(), weight = normal(0.0, 1.0) }
eprop_softmax { Out }
custom_update { name = "Seen", group = "Softmax", vars = { ex = -1.0 },
                var_refs = { V = ref(Out, "V_sum") }, code = "ex = example;" }
record { Out = { "V", "pi", "E", every = 1 } }
LUA
$PY - "$WORK/ds" <<'PY'
import os, sys
import numpy as np
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
t = np.array([0.5, 2.0, 3.0, 1.0, 4.0, 2.0, 5.0]); u = np.array([0, 1, 2, 3, 0, 1, 2])
np.save(f"{d}/times.npy", t); np.save(f"{d}/units.npy", u.astype(np.uint16))
np.save(f"{d}/offsets.npy", np.array([0, 3, 5, 7])); np.save(f"{d}/labels.npy", np.array([2, 0, 1]))
PY
"$SNNCC" -q "$WORK/dsl.lua" -o "$WORK/dsl"
"$WORK/dsl/dsl" --time 30 --quiet --output "$WORK/dsl_out" --set datasets.In.file="$WORK/ds" \
    --set datasets.In.example_steps=5
$PY - "$WORK/dsl_out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
P = np.load(f"{out}/Out_pi.npy")["v"]; E = np.load(f"{out}/Out_E.npy")["v"]
labels = [2, 0, 1]
for s in range(1, 30):   # recorded in step s: the softmax of the end of step s - 1
    y = np.zeros(3); y[labels[((s - 1) // 5) % 3]] = 1.0
    assert (E[s] == P[s] - y).all(), (s, E[s], P[s], y)
print("E = pi - one-hot(label) with the data set's label in every step")
PY
echo "ok - eprop_softmax reads the data set's label in custom-update code"
