# tests/e2e/deep_r.sh: deep_r.md section 2.5's invariants on the weight snapshots of the
# rewired projections (IH, HH), each taken one step after a rewiring (Learn, Adam and DEEP R
# after steps 29, 59, ...; snapshots after steps 0, 30, 60, ...):
#   - the synapse count of each projection is its built count at every snapshot, and
#     run.json's added = removed, failed = 0;
#   - no pair twice, rows sorted, no row above run.json's max_row_length;
#   - a synapse kept from one snapshot to the next never changed the sign of its weight
#     (a weight that crossed zero was removed; w = 0 counts as positive);
#   - what is not kept was removed: the synapses with w = 0 at a snapshot (new ones: weight
#     0) number exactly the removals of that rewiring; summed, run.json's added / removed;
#   - with 'l1' as the second argument (a silent data set: the e-prop gradient is 0, only
#     L1 moves the weights): every kept weight's magnitude decreased strictly.
import json, sys
import numpy as np

out = sys.argv[1]
l1_only = sys.argv[2:] == ["l1"]
j = json.load(open(f"{out}/run.json"))
built = {p["name"]: p["synapses"] for p in j["projections"]}
for cu in j["connectivity_updates"]:
    P = cu["projection"]
    W = np.load(f"{out}/{P}_w.npy")
    times = np.unique(W["t"])
    assert cu["failed"] == 0 and cu["added"] == cu["removed"] > 0, cu
    assert cu["synapses"] == built[P], (cu, built[P])
    prev, removed, changes = None, 0, 0
    for t in times:
        s = W["t"] == t
        pre, post, w = W["pre"][s].astype(int), W["post"][s].astype(int), W["v"][s]
        pairs = list(zip(pre, post))
        assert len(pairs) == built[P], f"{P} t={t}: {len(pairs)} synapses, built {built[P]}"
        assert len(set(pairs)) == len(pairs) and pairs == sorted(pairs), f"{P} t={t}: rows"
        assert np.bincount(pre).max() <= cu["max_row_length"], f"{P} t={t}: a row over capacity"
        cur = dict(zip(pairs, w))
        if prev is not None:
            kept = 0
            for pq, w0 in prev.items():
                w1 = cur.get(pq)
                if w1 is None or w1 == 0.0:
                    continue  # removed (w = 0: made again, a new synapse)
                assert w0 == 0.0 or (w0 < 0) == (w1 < 0), f"{P} t={t} {pq}: sign {w0} -> {w1}"
                assert not l1_only or w0 == 0.0 or abs(w1) < abs(w0), f"{P} t={t} {pq}: L1 {w0} -> {w1}"
                kept += 1
            new = int(np.sum(w == 0.0))
            assert len(pairs) - kept == new, f"{P} t={t}: {len(pairs) - kept} not kept, {new} new"
            removed += new
            changes += new > 0
        prev = cur
    assert removed == cu["removed"], (P, removed, cu)
    print(f"{P}: {len(times)} snapshots, {removed} rewired in {changes} rewirings, "
          f"count {built[P]} kept")
