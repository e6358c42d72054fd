# tests/e2e/deep_r_inv.sh: deep_r.md section 2.5's invariants 1-3 at every DEEP R pass of a
# batched classifier (B lanes), from snapshots of every step: the one before the batch end
# (step r - 1) and the one right after the pass (step r, written after the connectivity
# update and before any further dynamics).  Per rewired projection and pass:
#   1. the synapse count is the built count, no pair twice, no row above max_row_length;
#   2. (DeepR1) every kept synapse's weight has its sign: (w < 0) == (sign < 0), w = 0
#      positive;
#   3. the new synapses (Adam's m = 0: every kept synapse has a gradient, L1's at least)
#      number the removals, their targets were free (not a kept pair), and they have
#      w = 0, a sign of -1 or +1, and g = ebar = m = v = 0 and the summed gradient G = 0 in
#      every lane; w, sign, m, v, G are the same in every lane.
import json, sys
import numpy as np

out, B = sys.argv[1], int(sys.argv[2])
j = json.load(open(f"{out}/run.json"))
built = {p["name"]: p["synapses"] for p in j["projections"]}
lanes = [out] + [f"{out}/lane{b}" for b in range(1, B)]
for cu in j["connectivity_updates"]:
    P = cu["projection"]
    f = {"w": "w", "g": "g", "ebar": "ebar", "sign": f"{P}_deep_r_sign", "m": f"{P}_adam_m",
         "v": f"{P}_adam_v", "G": f"{P}_adam_sum_G"}
    L = [{k: np.load(f"{d}/{v if '_' in v else P + '_' + v}.npy") for k, v in f.items()} for d in lanes]
    T = L[0]["w"]["t"]
    for lane in L[1:]:
        for k in ("w", "sign", "m", "v", "G"):
            assert np.array_equal(lane[k], L[0][k]), f"{P}: {k} differs between lanes"
    steps = np.unique(T)
    passes, new_total = 0, 0
    for r in range(1, len(steps)):
        if (r + 1) % 30:
            continue
        at = lambda lane, k, s: lane[k][lane[k]["t"] == steps[s]]
        pairs_b = set(zip(at(L[0], "w", r - 1)["pre"], at(L[0], "w", r - 1)["post"]))
        A = {k: at(L[0], k, r) for k in f}
        pairs = list(zip(A["w"]["pre"], A["w"]["post"]))
        assert len(pairs) == built[P] and len(set(pairs)) == len(pairs) and pairs == sorted(pairs), \
            f"{P} step {r}: {len(pairs)} synapses (built {built[P]}), or a pair twice"
        assert np.bincount(A["w"]["pre"]).max() <= cu["max_row_length"], f"{P} step {r}: a full row"
        for k in f:
            assert np.array_equal(A[k]["pre"], A["w"]["pre"]) and np.array_equal(A[k]["post"], A["w"]["post"])
        w, s, m = A["w"]["v"], A["sign"]["v"], A["m"]["v"]
        new = m == 0.0
        kept = ~new
        assert np.all((w[kept] < 0) == (s[kept] < 0)), f"{P} step {r}: a kept synapse changed sign"
        kept_pairs = {p for p, k in zip(pairs, kept) if k}
        assert kept_pairs <= pairs_b, f"{P} step {r}: a kept synapse was not there before"
        removed = len(pairs_b) - len(kept_pairs)
        assert int(new.sum()) == removed, f"{P} step {r}: {new.sum()} new, {removed} removed"
        assert np.all(w[new] == 0.0) and np.all(np.abs(s[new]) == 1.0), f"{P} step {r}: new w, sign"
        for b, lane in enumerate(L):
            for k in ("g", "ebar", "m", "v", "G"):
                x = at(lane, k, r)["v"]
                assert np.all(x[new] == 0.0), f"{P} step {r} lane {b}: a new synapse's {k} is not 0"
        passes += 1
        new_total += removed
    assert passes >= 3 and new_total > 0, (P, passes, new_total)
    assert new_total == cu["removed"] == cu["added"], (P, new_total, cu)
    print(f"{P}: {passes} passes, {new_total} synapses rewired, invariants 1-3 in {B} lanes")
