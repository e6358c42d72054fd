#!/usr/bin/env bash
# Storage formats of projections (format = "sparse" | "dense" | "procedural") on a small
# E/I network (tests/e2e/formats/net.lua.in) using every row-wise rule, random and
# constant weights, two postsynaptic models:
#   - dense == sparse: spike files byte-identical, synapse counts and checksums identical;
#     its bytes are the matrix (n_pre x n_post scalars) plus the row lengths;
#   - procedural: fixed_outdegree, all_to_all and one_to_one give the sparse network's
#     checksums (the same rows and weight draws); fixed_probability draws rows from its own
#     stream ("proc:<proj>"), so its checksum differs, its counts lie within 5 sd of the
#     binomial mean, and the rates stay within 15 % of the sparse network's; its bytes
#     are the row buffer only (below 1/20 of the sparse rows but for one_to_one);
#   - dense and procedural: spikes and checksums identical for 1, 2 and 3 threads and for
#     2 and 3 MPI ranks (with 2 threads each);
#   - the CUDA back end generates both formats (its runs against the C back end:
#     tests/e2e/cuda_emulated.sh, cuda_mpi.sh and tests/gpu with tests/cuda/formats*.lua);
#   - tests/e2e/formats/tiny.lua.in: double precision, random weights, a 2-neuron population
#     with 3 threads (an empty thread block): the same checks, 1 vs 3 threads.
set -euo pipefail
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; exit 1; }
for f in sparse dense procedural; do
    sed "s/@FMT@/$f/" tests/e2e/formats/net.lua.in >"$WORK/$f.lua"
    "$SNNCC" -q "$WORK/$f.lua" -o "$WORK/sim_$f"
    "$WORK/sim_$f/fmt" --time 500 --output "$WORK/o_$f" --quiet
done
same_spikes() { # dir_a dir_b what
    for p in E I; do
        cmp -s "$1/spikes_$p.npy" "$2/spikes_$p.npy" || fail "$3: spikes_$p.npy differs"
    done
    $PY - "$1/run.json" "$2/run.json" "$3" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for pa, pb in zip(a["projections"], b["projections"]):
    assert (pa["checksum"], pa["synapses"]) == (pb["checksum"], pb["synapses"]), \
        f"{sys.argv[3]}: projection {pa['name']}: {pa} vs {pb}"
PYEOF
    ok "$3: spikes, checksums and counts identical"
}
same_spikes "$WORK/o_sparse" "$WORK/o_dense" "dense vs sparse"

$PY - "$WORK" <<'PYEOF'
import json, math, sys
w = sys.argv[1]
r = {f: json.load(open(f"{w}/o_{f}/run.json")) for f in ("sparse", "dense", "procedural")}
proj = {f: {p["name"]: p for p in r[f]["projections"]} for f in r}
pops = {f: {p["name"]: p["spikes"] for p in r[f]["populations"]} for f in r}
fails = []
def check(c, msg):
    print(("ok   " if c else "FAIL ") + msg)
    if not c:
        fails.append(msg)
size = {"E": 800, "I": 200}
pre_post = {"E_to_E": ("E", "E"), "E_to_I": ("E", "I"), "I_to_E": ("I", "E"),
            "I_to_I": ("I", "I"), "I_one": ("I", "I")}
scalar = 8 if r["sparse"]["model"]["precision"] == "double" else 4
for name, (a, b) in pre_post.items():
    want = size[a] * size[b] * scalar + size[a] * 4
    got = proj["dense"][name]["bytes"]
    check(got == want, f"dense {name}: {got} bytes = matrix + row lengths ({want})")
    pb, sb = proj["procedural"][name]["bytes"], proj["sparse"][name]["bytes"]
    if name != "I_one":  # 200 synapses: about the row buffer's size
        check(pb * 20 < sb, f"procedural {name}: {pb} bytes, sparse {sb}")
for name in ("I_to_E", "I_to_I", "I_one"):
    check(proj["procedural"][name]["checksum"] == proj["sparse"][name]["checksum"],
          f"procedural {name}: the sparse network's checksum")
for name, n, p in (("E_to_E", 800 * 799, 0.1), ("E_to_I", 800 * 200, 0.1)):
    c = proj["procedural"][name]["synapses"]
    sd = math.sqrt(n * p * (1 - p))
    check(abs(c - n * p) < 5 * sd, f"procedural {name}: {c} synapses, mean {n * p:.0f} sd {sd:.0f}")
    check(proj["procedural"][name]["checksum"] != proj["sparse"][name]["checksum"],
          f"procedural {name}: a different (row-wise) draw than sparse")
for pop in ("E", "I"):
    a, b = pops["sparse"][pop], pops["procedural"][pop]
    check(abs(a - b) < 0.15 * a, f"{pop}: {b} spikes procedural, {a} sparse")
sys.exit(1 if fails else 0)
PYEOF

for f in dense procedural; do
    for t in 2 3; do
        "$WORK/sim_$f/fmt" --time 500 --output "$WORK/o_${f}_t$t" --quiet --set threads=$t 2>/dev/null
        same_spikes "$WORK/o_$f" "$WORK/o_${f}_t$t" "$f, $t threads"
    done
done
if command -v mpirun >/dev/null && [ -f "$(dirname "$SNNCC")/../lib/libsnnrt_mpi.a" ]; then
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    for f in dense procedural; do
        "$SNNCC" -q --mpi "$WORK/$f.lua" -o "$WORK/simm_$f"
        for np in 2 3; do
            mpirun --oversubscribe -np $np "$WORK/simm_$f/fmt" --time 500 \
                --output "$WORK/o_${f}_m$np" --quiet --set threads=2 2>/dev/null
            same_spikes "$WORK/o_$f" "$WORK/o_${f}_m$np" "$f, $np ranks x 2 threads"
        done
    done
else
    fail "Open MPI (mpirun, mpicc) is needed for this test (ci/install-deps installs it)"
fi

for f in dense procedural; do
    "$SNNCC" -q -S --backend cuda "$WORK/$f.lua" -o "$WORK/cu_$f" 2>"$WORK/cu_$f.err" ||
        { cat "$WORK/cu_$f.err"; fail "--backend cuda refused format = \"$f\""; }
    grep -q "projection 'E_to_E': E -> E, $f" "$WORK/cu_$f/fmt.cu" ||
        fail "cuda: projection 'E_to_E' not generated as $f"
    ok "--backend cuda generates format = \"$f\""
done

# Double precision, random weights, a population smaller than the thread count (a thread
# block without targets): dense == sparse, procedural fixed_outdegree == sparse, and every
# format the same for 1 and 3 threads.
for f in sparse dense procedural; do
    sed "s/@F@/$f/" tests/e2e/formats/tiny.lua.in >"$WORK/tiny_$f.lua"
    "$SNNCC" -q "$WORK/tiny_$f.lua" -o "$WORK/tsim_$f"
    for t in 1 3; do
        "$WORK/tsim_$f/tiny" --time 200 --output "$WORK/to_${f}_$t" --quiet --set threads=$t \
            2>/dev/null
    done
done
$PY - "$WORK" <<'PYEOF'
import json, sys
w = sys.argv[1]
def load(f, t):
    r = json.load(open(f"{w}/to_{f}_{t}/run.json"))
    return ([(p["synapses"], p["checksum"]) for p in r["projections"]],
            [p["spikes"] for p in r["populations"]])
for f in ("sparse", "dense", "procedural"):
    assert load(f, 1) == load(f, 3), f"tiny {f}: 1 vs 3 threads: {load(f, 1)} vs {load(f, 3)}"
assert load("dense", 1) == load("sparse", 1), "tiny: dense differs from sparse"
assert load("procedural", 1)[0][2] == load("sparse", 1)[0][2], "tiny: procedural outdegree"
print("ok   tiny (double precision): dense == sparse, procedural fixed_outdegree == sparse, "
      "1 == 3 threads")
PYEOF
