#!/usr/bin/env bash
# Networks from data (docs/language.md, "Networks from data"):
#   - docs/examples/connectome.lua with the data its script makes: the built network is the
#     lists' (run.json's synapse counts and order-independent checksums of (pre, post,
#     weight bits, delay steps) recomputed in NumPy from the .npy files, for the edge list
#     with weights and delays and for the readout matrix), and the spikes and checksums are
#     the same for 1 and 2 threads and 1 and 2 MPI ranks;
#   - a plastic projection whose weights come from a list: the recorded weights at step 0
#     are the file's (as float32), pair by pair; dense format gives the sparse checksum;
#   - initial values from a .npy file and from a Lua list, recorded at step 0 (a variable
#     no code changes), on 1 and 3 threads and 2 ranks;
#   - errors with the file and the entry at fault: compile time (lengths, shapes, dtype,
#     a missing file, from_file without a list) and run time (index out of range, NaN
#     weight, negative delay, NaN initial value, a file changed after compiling).
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/examples.sh

# --- the connectome example ------------------------------------------------------------
model=$(example_model docs/examples/connectome.lua)
data=$(dirname "$model")
"$SNNCC" -q "$model" -o "$WORK/c1"
"$SNNCC" -q --mpi "$model" -o "$WORK/cm"
"$WORK/c1/connectome" --time 300 --quiet --output "$WORK/o1"
"$WORK/c1/connectome" --time 300 --quiet --output "$WORK/o1t" --set threads=2
"${MPIRUN[@]}" -np 2 "$WORK/cm/connectome" --time 300 --quiet --output "$WORK/o2"
"${MPIRUN[@]}" -np 2 "$WORK/cm/connectome" --time 300 --quiet --output "$WORK/o2t" --set threads=2
same_outputs "$WORK/o1" "$WORK/o1t" "connectome, 2 threads"
same_outputs "$WORK/o1" "$WORK/o2" "connectome, 2 ranks"
same_outputs "$WORK/o1" "$WORK/o2t" "connectome, 2 ranks x 2 threads"

cat >"$WORK/cks.py" <<'PY'
import numpy as np

def mix64(x):
    x = x.astype(np.uint64)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x

def checksum(pre, post, w=None, float32=True, dsteps=None):
    """run.json's connectivity checksum (runtime/rt_conn.c): the sum over the synapses of
    mix64(((pre << 32) | post) ^ wh), wh = mix64(weight bits + golden) ^ delay term."""
    pre, post = pre.astype(np.uint64), post.astype(np.uint64)
    with np.errstate(over="ignore"):
        if w is None:
            wb = np.zeros(pre.size, np.uint64)
        elif float32:
            wb = np.asarray(w, np.float32).view(np.uint32).astype(np.uint64)
        else:
            wb = np.asarray(w, np.float64).view(np.uint64)
        wh = mix64(wb + np.uint64(0x9E3779B97F4A7C15))
        if dsteps is not None:
            wh ^= mix64(dsteps.astype(np.uint64) + np.uint64(0x632BE59BD9B4E019))
        return "%016x" % int(mix64(((pre << np.uint64(32)) | post) ^ wh).sum(dtype=np.uint64))
PY
$PY - "$data" "$WORK/o1/run.json" "$WORK" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[3])
import numpy as np
from cks import checksum
d = sys.argv[1]
pj = {p["name"]: p for p in json.load(open(sys.argv[2]))["projections"]}
pre, post = np.load(f"{d}/connectome_pre.npy"), np.load(f"{d}/connectome_post.npy")
w, delay = np.load(f"{d}/connectome_w.npy"), np.load(f"{d}/connectome_delay.npy")
x = delay / 0.1
steps = np.where(x < 1.5, 1, np.floor(x + 0.5)).astype(np.int64)
assert pj["wiring"]["synapses"] == pre.size, (pj["wiring"]["synapses"], pre.size)
assert pj["wiring"]["checksum"] == checksum(pre, post, w, True, steps), pj["wiring"]
W = np.load(f"{d}/connectome_readout.npy")
i, j = np.nonzero(W)
assert pj["ring_to_readout"]["synapses"] == i.size
assert pj["ring_to_readout"]["checksum"] == checksum(i, j, W[i, j]), pj["ring_to_readout"]
# the check can fail: one weight changed gives another checksum
w2 = w.copy()
w2[123] += 1.0
assert checksum(pre, post, w2, True, steps) != pj["wiring"]["checksum"]
print(f"ok   connectome: {pre.size} synapses and {i.size} readout synapses are the files'")
PY

# --- plastic weights from a list; dense format; initial values from data ----------------
$PY - "$WORK" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(5)
d = sys.argv[1]
pre = rng.integers(0, 40, 600).astype(np.int64)
post = rng.integers(0, 30, 600).astype(np.uint32)
np.save(f"{d}/pre.npy", pre)
np.save(f"{d}/post.npy", post)
np.save(f"{d}/w.npy", rng.uniform(0.0, 1.0, 600))
np.save(f"{d}/x0.npy", rng.normal(0.0, 1.0, 30).astype(np.float32))
pairs = np.unique(np.stack([pre, post]), axis=1)  # without repeated pairs, for dense
np.save(f"{d}/dpre.npy", pairs[0])
np.save(f"{d}/dpost.npy", pairs[1])
np.save(f"{d}/dw.npy", rng.uniform(0.0, 1.0, pairs.shape[1]))
PY
cat >"$WORK/p.lua" <<'LUA'
network { name = "p", dt = 0.1 }
local hold = neuron { name = "hold", vars = { x = 0.0 } }  -- no code: x stays as it starts
local S = population { "S", poisson { rate = 5.0 }, 40 }
local T = population { "T", hold, 30, init = { x = from_file("x0.npy") } }
local L = population { "L", hold, 5, init = { x = { 1.5, -2.0, 3.25, 0.0, 7.0 } } }
projection { S, T, name = "P", conn = from_list { pre = "pre.npy", post = "post.npy" },
             synapse = stdp, weight = from_file("w.npy") }
projection { S, T, name = "D", conn = from_list { pre = "dpre.npy", post = "dpost.npy" },
             weight = from_file("dw.npy"), format = FMT }
record { P = { "w", every = 1000000 }, T = { "x", every = 1000000 }, L = { "x", every = 1000000 } }
LUA
sed 's/FMT/"sparse"/' "$WORK/p.lua" >"$WORK/ps.lua"
sed 's/FMT/"dense"/' "$WORK/p.lua" >"$WORK/pd.lua"
"$SNNCC" -q "$WORK/ps.lua" -o "$WORK/ps"
"$SNNCC" -q "$WORK/pd.lua" -o "$WORK/pd"
"$SNNCC" -q --mpi "$WORK/ps.lua" -o "$WORK/pm"
"$WORK/ps/p" --time 20 --quiet --output "$WORK/ps1"
"$WORK/ps/p" --time 20 --quiet --output "$WORK/ps3" --set threads=3
"$WORK/pd/p" --time 20 --quiet --output "$WORK/pd1"
"${MPIRUN[@]}" -np 2 "$WORK/pm/p" --time 20 --quiet --output "$WORK/pm2"
same_outputs "$WORK/ps1" "$WORK/ps3" "plastic from list, 3 threads"
same_outputs "$WORK/ps1" "$WORK/pm2" "plastic from list, 2 ranks"
$PY - "$WORK" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from cks import checksum
d = sys.argv[1]
pre, post, w = (np.load(f"{d}/{n}.npy") for n in ("pre", "post", "w"))
rec = np.load(f"{d}/ps1/P_w.npy")  # the snapshot after step 0, then the end of the run
assert len(rec) == 2 * pre.size and (rec["t"][-pre.size:] == 20.0).all(), (len(rec), rec["t"][-3:])
rec = rec[:pre.size]
assert (rec["t"] == 0.1).all(), rec["t"][:3]
order = np.lexsort((np.arange(pre.size), post, pre))  # rows by (pre, post), repeats in file order
assert (rec["pre"] == pre[order]).all() and (rec["post"] == post[order]).all()
assert (rec["v"] == w[order].astype(np.float32)).all(), "weights differ from the file"
x0 = np.load(f"{d}/x0.npy")
assert (np.load(f"{d}/ps1/T_x.npy")["v"][0] == x0).all()
assert (np.load(f"{d}/ps1/L_x.npy")["v"][0] == np.float32([1.5, -2.0, 3.25, 0.0, 7.0])).all()
s, dn = (json.load(open(f"{d}/{o}/run.json"))["projections"] for o in ("ps1", "pd1"))
dp, dq, dw = (np.load(f"{d}/{n}.npy") for n in ("dpre", "dpost", "dw"))
assert s[1]["checksum"] == dn[1]["checksum"] == checksum(dp, dq, dw), (s[1], dn[1])
print("ok   plastic weights, dense matrix and initial values are the files'")
PY

# --- errors ----------------------------------------------------------------------------
expect() { # what status(compile|run) pattern model-file [run args]
    local what=$1 when=$2 pat=$3 m=$4
    shift 4
    if [ "$when" = compile ]; then
        if "$SNNCC" -q "$m" -o "$WORK/err" 2>"$WORK/err.log"; then
            fail "$what: compiled"
        fi
    else
        "$SNNCC" -q "$m" -o "$WORK/err"
        if "$WORK/err/e" --time 1 --quiet --output "$WORK/err/out" "$@" 2>"$WORK/err.log"; then
            fail "$what: ran"
        fi
    fi
    grep -q -- "$pat" "$WORK/err.log" || { cat "$WORK/err.log"; fail "$what: no '$pat'"; }
    ok "$what: $(head -n 1 "$WORK/err.log")"
}
$PY - "$WORK" <<'PY'
import sys
import numpy as np
d = sys.argv[1]
np.save(f"{d}/e_pre.npy", np.array([0, 1, 2, 3], np.int32))
np.save(f"{d}/e_post.npy", np.array([0, 1, 9, 3], np.int32))     # 9: out of range (5 targets)
np.save(f"{d}/e_post_ok.npy", np.array([0, 1, 2, 3], np.int32))
np.save(f"{d}/e_postf.npy", np.array([0.0, 1.0, 2.0, 3.0]))       # floats as indices
np.save(f"{d}/e_post3.npy", np.array([0, 1, 2], np.int32))       # a synapse short
np.save(f"{d}/e_wnan.npy", np.array([1.0, np.nan, 1.0, 1.0]))
np.save(f"{d}/e_dneg.npy", np.array([1.0, 1.0, -2.0, 1.0]))
np.save(f"{d}/e_v4.npy", np.zeros(4))
np.save(f"{d}/e_vnan.npy", np.array([0.0, 0.0, 0.0, np.inf, 0.0]))
np.save(f"{d}/e_m.npy", np.zeros((5, 4)))
PY
mk() { # body -> $WORK/e.lua
    printf 'network { name = "e" }\nlocal A = population { "A", lif, 5 }\nlocal B = population { "B", lif, 5 }\n%s\n' "$1" >"$WORK/e.lua"
}
mk 'projection { A, B, conn = from_list { pre = "e_pre.npy", post = "e_post.npy" }, weight = 1.0 }'
expect "index out of range" run "e_post.npy: entry 2 is 9, but population 'B' has 5 neurons" "$WORK/e.lua"
mk 'projection { A, B, conn = from_list { pre = "e_pre.npy", post = "e_post_ok.npy" }, weight = from_file("e_wnan.npy") }'
expect "NaN weight" run "e_wnan.npy: entry 1 is nan; weights must be finite" "$WORK/e.lua"
mk 'projection { A, B, conn = from_list { pre = "e_pre.npy", post = "e_post_ok.npy" }, weight = 1.0, delay = from_file("e_dneg.npy") }'
expect "negative delay" run "e_dneg.npy: entry 2 is -2 ms" "$WORK/e.lua"
mk 'population { "C", lif, 5, init = { V = from_file("e_vnan.npy") } }'
expect "infinite initial value" run "population 'C' variable 'V': .*e_vnan.npy: entry 3 is inf" "$WORK/e.lua"
mk 'projection { A, B, conn = from_list { pre = "e_pre.npy", post = "e_postf.npy" }, weight = 1.0 }'
expect "float indices" compile "e.lua:4: error: from_list: post 'e_postf.npy' holds floats; indices must be integers" "$WORK/e.lua"
mk 'projection { A, B, conn = from_list { pre = "e_pre.npy", post = "e_post3.npy" }, weight = 1.0 }'
expect "length mismatch" compile "e.lua:4: error: from_list: pre 'e_pre.npy' has 4 entries but post 'e_post3.npy' has 3" "$WORK/e.lua"
mk 'projection { A, B, conn = from_list { pre = "e_pre.npy", post = "e_post_ok.npy" }, weight = from_file("e_v4.npy"), delay = from_file("e_post3.npy") }'
expect "delays: length" compile "e.lua:4: error: projection 'A_to_B': delay 'e_post3.npy' has 3 values but the list 'e_pre.npy' has 4 synapses" "$WORK/e.lua"
mk 'projection { A, B, conn = fixed_indegree(2), weight = from_file("e_v4.npy") }'
expect "from_file without a list" compile "error: projection 'A_to_B': weight = from_file(...) gives one value per entry of a list of synapses; it needs conn = from_list" "$WORK/e.lua"
mk 'projection { A, B, conn = from_matrix("e_m.npy") }'
expect "matrix shape" compile "e.lua:4: error: projection 'A_to_B': from_matrix 'e_m.npy' has shape (5, 4); it needs a row per source and a column per target: (5, 5)" "$WORK/e.lua"
mk 'population { "C", lif, 5, init = { V = from_file("e_v4.npy") } }'
expect "initial values: length" compile "e.lua:4: error: population 'C': init of 'V': 'e_v4.npy' has 4 values; it needs one per neuron (5)" "$WORK/e.lua"
mk 'population { "C", lif, 5, init = { V = from_file("missing.npy") } }'
expect "missing file" compile "e.lua:4: error: from_file: cannot read '.*missing.npy': No such file or directory" "$WORK/e.lua"
mk 'projection { A, B, conn = from_matrix("e_m.npy"), weight = 1.0 }'
expect "matrix and weight" compile "e.lua:4: error: projection 'A_to_B': from_matrix gives the weights" "$WORK/e.lua"
# a file changed after compiling: checked again when the simulator reads it
mk 'projection { A, B, conn = from_list { pre = "e_pre.npy", post = "e_post_ok.npy" }, weight = 1.0 }'
"$SNNCC" -q "$WORK/e.lua" -o "$WORK/err"
cp "$WORK/e_post3.npy" "$WORK/e_post_ok.npy"
if "$WORK/err/e" --time 1 --quiet --output "$WORK/err/out" 2>"$WORK/err.log"; then fail "changed file: ran"; fi
grep -q "e_post_ok.npy has 3 entries but .*e_pre.npy has 4" "$WORK/err.log" || { cat "$WORK/err.log"; fail "changed file"; }
ok "changed file: $(head -n 1 "$WORK/err.log")"

# --- another file at run time: data.<name> in the run config or --set; run.json says -----
$PY - "$data" "$WORK" <<'PY'
import sys
import numpy as np
w = np.load(f"{sys.argv[1]}/connectome_w.npy")
np.save(f"{sys.argv[2]}/w_half.npy", w / 2)
PY
printf 'data:\n  connectome_w.npy: %s/w_half.npy\n' "$WORK" >"$WORK/half.yaml"
"$WORK/c1/connectome" --time 50 --quiet --output "$WORK/oh" --config "$WORK/half.yaml"
"$WORK/c1/connectome" --time 50 --quiet --output "$WORK/oh2" --set data.connectome_w.npy="$WORK/w_half.npy"
$PY - "$data" "$WORK" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[2])
import numpy as np
from cks import checksum
d, work = sys.argv[1], sys.argv[2]
pre, post = np.load(f"{d}/connectome_pre.npy"), np.load(f"{d}/connectome_post.npy")
delay = np.load(f"{d}/connectome_delay.npy") / 0.1
steps = np.where(delay < 1.5, 1, np.floor(delay + 0.5)).astype(np.int64)
want = checksum(pre, post, np.load(f"{work}/w_half.npy"), True, steps)
for o in ("oh", "oh2"):
    r = json.load(open(f"{work}/{o}/run.json"))
    assert r["projections"][1]["name"] == "wiring" and r["projections"][1]["checksum"] == want
    assert r["data"]["connectome_w.npy"] == f"{work}/w_half.npy", r["data"]
    assert r["data"]["connectome_pre.npy"] == f"{d}/connectome_pre.npy", r["data"]
    assert list(r["data"]) == sorted(r["data"]), r["data"]
r = json.load(open(f"{work}/o1/run.json"))
assert r["data"]["connectome_w.npy"] == f"{d}/connectome_w.npy" and len(r["data"]) == 6, r["data"]
print("ok   data.connectome_w.npy replaces the weights (config and --set); run.json names the files")
PY
if "$WORK/c1/connectome" --time 1 --quiet --output "$WORK/ox" --set data.connectome_x.npy=a.npy 2>"$WORK/err.log"; then
    fail "unknown data name: ran"
fi
grep -q "data.connectome_x.npy (--set 'data.connectome_x.npy=a.npy'): the model reads no data file of that name (its files: connectome_delay.npy, " "$WORK/err.log" || { cat "$WORK/err.log"; fail "unknown data name"; }
ok "unknown data name: $(head -n 1 "$WORK/err.log")"
