#!/usr/bin/env bash
# test: weight 2 (MPI runs with 4 ranks)
# Connectivity updates in batched models (docs/language.md "Connectivity updates", "In
# batched models"): connectivity is shared by the lanes, every lane's per-synapse variables
# move with their synapse, a new synapse is initialised in every lane, the removals are
# decided once, by lane 0.  tests/e2e/rewire_lanes/model.lua (B = 4; per-lane variables
# that differ between the lanes, a shared one, custom-update variables, add.init):
#   - mode 0 (removal by a per-lane variable equal in every lane, additions with redraw) and
#     mode 1 (candidates): every lane b's snapshots of every variable and its spikes are
#     byte-identical to a run of batch 1 with lane_offset b (whose rewiring is the same,
#     as its decisions are): nothing of lane b is left behind or mixed with another lane's;
#   - bitwise the same on 2 threads and on 2 and 4 MPI ranks (lanes over ranks: rank 0
#     decides, every rank rewires its copy of the rows alike); candidates 2 ranks x 2 threads;
#   - a checkpoint at 50 ms restored (the rows first, then every lane's values): every
#     lane's snapshots after it are the uninterrupted run's; written with lanes over 2 ranks
#     and restored on 4 ranks and on one process, likewise;
#   - mode 2 (the removal also reads x, which differs between the lanes): lane 0 is the
#     batch-1 run bitwise, every lane has lane 0's synapses at every snapshot and lane 0's
#     lane-independent values (tags, counters, add.init's), its own x; the same on 4 ranks.
set -euo pipefail
source tests/lib/mpi.sh
cd "$WORK"
# the model with its shared h written by an update held once (AccH, h += 1 per call) instead
# of by Acc in every lane (h = m + 0.5): a per-lane update writing a variable held once
# chains it through the lanes, refused when the lanes are split over ranks
# (docs/parallel.md "Batch lanes over ranks")
sed -e 's/, h = ref_rw(P, "h") },/ },/' -e 's/ d = q; h = m + 0.5;"/ d = q;"/' \
    -e 's/^custom_update { name = "Acc2"/custom_update { name = "AccH", group = "Acc", every = 10, var_refs = { h = ref_rw(P, "h") },\n  code = "h = h + 1.0;" }\n&/' \
    "$OLDPWD/tests/e2e/rewire_lanes/model.lua" >model.lua
grep -q 'name = "AccH"' model.lua && ! grep -q 'h = m + 0.5' model.lua || fail "the model's variant not made"
M="$PWD/model.lua"
VARS="SE_w SE_x SE_h SE_a SE_b SE_c2 SE_d spikes_E"
lanedir() { if [ "$2" -eq 0 ]; then echo "$1"; else echo "$1/lane$2"; fi; }
same_lanes() { # DIR_A DIR_B WHAT: every lane's recordings byte-identical, counts equal
    local b f
    for b in 0 1 2 3; do
        for f in $VARS; do
            cmp -s "$(lanedir "$1" $b)/$f.npy" "$(lanedir "$2" $b)/$f.npy" ||
                fail "$3: lane $b $f.npy differs"
        done
    done
    [ "$(cu "$1/run.json")" = "$(cu "$2/run.json")" ] || fail "$3: connectivity_updates differ"
}
cu() { $PY -c "import json, sys; print({k: v for k, v in json.load(open(sys.argv[1]))['connectivity_updates'][0].items() if not k.endswith('_s')})" "$1"; }
for mode in 0 1; do
    "$SNNCC" -q -D mode=$mode "$M" -o "c$mode"
    "$SNNCC" -q --mpi -D mode=$mode "$M" -o "m$mode"
    S="c$mode/rewire_lanes"
    "$S" --time 100 --quiet --output "ref$mode"
    $PY - "ref$mode" <<'PY' || fail "mode $mode: the update did nothing, or the lanes are alike"
import json, sys
import numpy as np
o = sys.argv[1]
cu = json.load(open(f"{o}/run.json"))["connectivity_updates"][0]
assert cu["removed"] > 100 and cu["added"] > 100, cu
x0, x1 = np.load(f"{o}/SE_x.npy"), np.load(f"{o}/lane1/SE_x.npy")
assert np.array_equal(x0[["t", "pre", "post"]], x1[["t", "pre", "post"]])
assert not np.array_equal(x0["v"], x1["v"]), "lanes 0 and 1 have the same x"
PY
    for b in 0 1 2 3; do
        "$S" --time 100 --quiet --output "one$mode.$b" --set batch=1 --set lane_offset=$b
        for f in $VARS; do
            cmp -s "$(lanedir "ref$mode" $b)/$f.npy" "one$mode.$b/$f.npy" ||
                fail "mode $mode: lane $b's $f.npy is not batch 1's with lane_offset $b"
        done
    done
    ok "mode $mode: every lane's variables move with their synapses and are initialised in every lane (lane b = batch 1 with lane_offset b, 4 lanes)"
done
"c0/rewire_lanes" --time 100 --quiet --output t2 --set threads=2
same_lanes ref0 t2 "2 threads"
for np in 2 4; do
    "${MPIRUN[@]}" -np $np m0/rewire_lanes --time 100 --quiet --output "r$np"
    same_lanes ref0 "r$np" "$np ranks"
done
"${MPIRUN[@]}" -np 2 m1/rewire_lanes --time 100 --quiet --output r1 --set threads=2
same_lanes ref1 r1 "candidates, 2 ranks x 2 threads"
ok "bitwise the same on 2 threads, 2 and 4 ranks (lanes over ranks), candidates on 2 ranks x 2 threads"
printf 'checkpoint: { dir: ck, at_end: true }\n' >ck.yaml
"c0/rewire_lanes" --time 50 --quiet --output ca --config ck.yaml
"c0/rewire_lanes" --time 100 --quiet --output cb --restore ck
after50() { # REF DIR WHAT: every lane's snapshots after 50 ms are the uninterrupted run's
    $PY - "$1" "$2" <<'PY' || fail "$3: the restored run is not the uninterrupted one"
import sys
import numpy as np
for d in ["", "/lane1", "/lane2", "/lane3"]:
    for v in "w x h a b c2 d".split():
        f, c = (np.load(f"{o}{d}/SE_{v}.npy") for o in sys.argv[1:3])
        assert len(c) and f[f["t"] > 50.01].tobytes() == c.tobytes(), f"lane {d} {v}"
PY
}
after50 ref0 cb "checkpoint"
# lanes over 2 ranks (rank 0 lanes 0-1, rank 1 lanes 2-3): the rows are shared, rank 0's
# serve every lane wherever it is now: 4 ranks (a rank per lane) and one process
"${MPIRUN[@]}" -np 2 m0/rewire_lanes --time 50 --quiet --output ca2 --config ck.yaml --set checkpoint.dir=ck2
"${MPIRUN[@]}" -np 4 m0/rewire_lanes --time 100 --quiet --output cb4 --restore ck2
after50 ref0 cb4 "checkpoint of 2 ranks restored on 4"
"c0/rewire_lanes" --time 100 --quiet --output cb1 --restore ck2
after50 ref0 cb1 "checkpoint of 2 ranks restored on one process"
ok "a checkpoint at 50 ms + restore gives every lane's synapses and values of the uninterrupted run (1 process; lanes over 2 ranks restored on 4 ranks and on 1 process)"

"$SNNCC" -q -D mode=2 "$M" -o c2
"$SNNCC" -q --mpi -D mode=2 "$M" -o m2
c2/rewire_lanes --time 100 --quiet --output ref2
c2/rewire_lanes --time 100 --quiet --output one2 --set batch=1
for f in $VARS; do
    cmp -s "ref2/$f.npy" "one2/$f.npy" || fail "mode 2: lane 0's $f.npy is not batch 1's"
done
$PY - ref2 one0.1 <<'PY' || fail "mode 2: lane 0 does not decide for every lane"
import sys
import numpy as np
o, other = sys.argv[1:3]
lanes = [o] + [f"{o}/lane{b}" for b in (1, 2, 3)]
key = ["t", "pre", "post"]
L0 = {v: np.load(f"{o}/SE_{v}.npy") for v in "w x h a b c2 d".split()}
for d in lanes[1:]:
    for v, r0 in L0.items():
        r = np.load(f"{d}/SE_{v}.npy")
        assert np.array_equal(r[key], r0[key]), f"{d}: other synapses than lane 0's ({v})"
        if v != "x":
            assert np.array_equal(r["v"], r0["v"]), f"{d}: {v} is not lane 0's"
        else:
            assert not np.array_equal(r["v"], r0["v"]), f"{d}: x is lane 0's"
# lane 1 of mode 0 (the same lane without the x rule) has other synapses: x did remove
m0 = np.load(f"{other}/SE_x.npy")
assert not np.array_equal(m0[key], L0["x"][key])
PY
"${MPIRUN[@]}" -np 4 m2/rewire_lanes --time 100 --quiet --output r2
same_lanes ref2 r2 "mode 2, 4 ranks"
ok "removal by a variable that differs between lanes: lane 0 decides for every lane (1 process, 4 ranks)"
