#!/usr/bin/env bash
# Per-synapse delays on a rewired projection (docs/language.md "Connectivity updates",
# "Per-synapse delays"): tests/e2e/rewire_delays/model.lua removes a third of its synapses
# after every step and adds the missing pairs back, each new one with its own delay.
# check.py recomputes every target's input in every step from the recorded spikes: a spike
# arrives exactly after the delay of the synapse it crossed, so a delay that stayed behind
# when its synapse moved down its row (removals) or up (insertions), or was not set, shows.
#   - mode 0: delays from add.init.delay (1 .. 7 ms; remove also reads them); mode 1:
#     drawn from the projection's delay = uniform(2.6, 3.4) (always 3 steps); mode 2: as
#     mode 0, formed by candidates;
#   - bitwise the same on 2 threads, 2 MPI ranks and 2 ranks x 2 threads;
#   - a checkpoint after 100 steps restored to 200 = the uninterrupted run, bitwise (1 -> 2
#     threads, 1 process -> 2 ranks, 2 ranks -> 1 process): the delays are stored.
set -euo pipefail
source tests/lib/mpi.sh
source tests/lib/ckpt_piece.sh # ckpt_has
M=tests/e2e/rewire_delays/model.lua
"$SNNCC" -q "$M" -o "$WORK/c"
"$SNNCC" -q -D mode=1 "$M" -o "$WORK/c1"
"$SNNCC" -q --mpi "$M" -o "$WORK/m"
sim="$WORK/c/rewire_delays"
"$sim" --time 200 --quiet --output "$WORK/ref"
$PY tests/e2e/rewire_delays/check.py "$WORK/ref" 0 >/dev/null || fail "mode 0 against the reference"
"$WORK/c1/rewire_delays" --time 200 --quiet --output "$WORK/ref1"
$PY tests/e2e/rewire_delays/check.py "$WORK/ref1" 1 >/dev/null || fail "mode 1 against the reference"
"$SNNCC" -q -D mode=2 "$M" -o "$WORK/c2"
"$SNNCC" -q --mpi -D mode=2 "$M" -o "$WORK/m2"
"$WORK/c2/rewire_delays" --time 200 --quiet --output "$WORK/ref2"
$PY tests/e2e/rewire_delays/check.py "$WORK/ref2" 2 >/dev/null || fail "mode 2 against the reference"
"${MPIRUN[@]}" -np 2 "$WORK/m2/rewire_delays" --time 200 --quiet --output "$WORK/r2c" \
    --set threads=2
same_outputs "$WORK/ref2" "$WORK/r2c" "candidates: 2 ranks x 2 threads"
ok "every input arrives after its synapse's delay: add.init.delay, the declared initialiser, candidates"

# a batched model (2 lanes; a static rewired projection keeps no synapse offsets: the
# removal's places are its blocks' capacities): each lane's delays move with its synapses
# and lane b is a run of batch 1 with lane_offset b
for mode in 0 1; do
    "$SNNCC" -q -D mode=$mode -D batch=2 "$M" -o "$WORK/b$mode"
    bsim="$WORK/b$mode/rewire_delays"
    "$bsim" --time 100 --quiet --output "$WORK/bl$mode"
    for b in 0 1; do
        d="$WORK/bl$mode"; [ $b -eq 0 ] || d="$d/lane$b"
        "$bsim" --time 100 --quiet --output "$WORK/bo$mode.$b" --set batch=1 --set lane_offset=$b
        cmp -s "$d/E_x.npy" "$WORK/bo$mode.$b/E_x.npy" || fail "batched mode $mode: lane $b is not batch 1 with lane_offset $b"
        cmp -s "$d/spikes_S.npy" "$WORK/bo$mode.$b/spikes_S.npy" || fail "batched mode $mode: lane $b's spikes are not batch 1's with lane_offset $b"
        # (the run of lane b alone, equal to it, has the run.json check.py reads)
        $PY tests/e2e/rewire_delays/check.py "$WORK/bo$mode.$b" $mode >/dev/null || fail "batched mode $mode lane $b against the reference"
    done
done
ok "batched (2 lanes): every lane's inputs arrive after the moved synapses' delays; lane b = batch 1 with lane_offset b"

cu() { $PY -c "import json, sys; c = json.load(open(sys.argv[1]))['connectivity_updates'][0]; print([c[k] for k in ('runs', 'removed', 'added', 'failed', 'synapses')])" "$1"; }
"$sim" --time 200 --quiet --output "$WORK/t2" --set threads=2
same_outputs "$WORK/ref" "$WORK/t2" "2 threads"
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire_delays" --time 200 --quiet --output "$WORK/r2"
same_outputs "$WORK/ref" "$WORK/r2" "2 ranks"
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire_delays" --time 200 --quiet --output "$WORK/r2t2" \
    --set threads=2
same_outputs "$WORK/ref" "$WORK/r2t2" "2 ranks x 2 threads"
for d in t2 r2 r2t2; do
    [ "$(cu "$WORK/ref/run.json")" = "$(cu "$WORK/$d/run.json")" ] || fail "$d: counts differ"
done

# restored FIRST SECOND: SECOND's recordings (from 100 ms on) are the reference's
restored() {
    $PY - "$WORK/ref" "$1" "$2" <<'PY'
import json, sys
import numpy as np
ref, first, second = sys.argv[1:4]
for f in ("E_x.npy", "spikes_S.npy"):
    x, a, b = (np.load(f"{d}/{f}") for d in (ref, first, second))
    assert len(b) and b["t"].min() > 100.5, f"{f}: the restored run starts at {b['t'].min()}"
    assert np.concatenate([a, b]).tobytes() == x.tobytes(), f"{f} differs"
c1, c2 = (json.load(open(f"{d}/run.json"))["connectivity_updates"][0] for d in (ref, second))
for k in ("runs", "removed", "added", "failed", "synapses"):
    assert c1[k] == c2[k], (k, c1, c2)
PY
}
"$sim" --time 100 --quiet --output "$WORK/a1" --set checkpoint.dir="$WORK/ck1" \
    --set checkpoint.at_end=true
ckpt_has "$WORK/ck1" rank0/snn_syn_SE.delay || fail "no delays in the checkpoint"
"$sim" --time 200 --quiet --output "$WORK/b1" --set threads=2 --restore "$WORK/ck1"
restored "$WORK/a1" "$WORK/b1" || fail "1 -> 2 threads: restored run differs"
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire_delays" --time 200 --quiet --output "$WORK/b12" \
    --restore "$WORK/ck1"
restored "$WORK/a1" "$WORK/b12" || fail "1 process -> 2 ranks: restored run differs"
"${MPIRUN[@]}" -np 2 "$WORK/m/rewire_delays" --time 100 --quiet --output "$WORK/a2" \
    --set checkpoint.dir="$WORK/ck2" --set checkpoint.at_end=true
"$WORK/m/rewire_delays" --time 200 --quiet --output "$WORK/b21" --restore "$WORK/ck2"
restored "$WORK/a2" "$WORK/b21" || fail "2 ranks -> 1 process: restored run differs"
ok "checkpoint of the rewired rows and their delays: restored = uninterrupted (threads, ranks)"
