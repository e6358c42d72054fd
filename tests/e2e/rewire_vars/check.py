# tests/e2e/rewire_vars.sh: every snapshot of model.lua's synapses against what moving
# each synapse's custom-update variables with it gives (see model.lua): a synapse made at
# rewiring r (0: built) has after k runs n = k - r, a = n, b = 5 * 2^n, c2 = n (+ 7 if
# made by a rewiring), d = -1 (built) or 100 post + pre (its add.init value), and all of
# a, b, c2, d zero in the snapshot right after the rewiring that made it; s > 50 (n = 4)
# removes it, nothing else does.
import json, sys
import numpy as np

out = sys.argv[1]
CAP = 9
ld = lambda v: np.load(f"{out}/SE_{v}.npy")
A, B, C, D = ld("a"), ld("b"), ld("c2"), ld("d")
for X in (B, C, D):
    assert (X["t"] == A["t"]).all() and (X["pre"] == A["pre"]).all() and (X["post"] == A["post"]).all()
j = json.load(open(f"{out}/run.json"))["connectivity_updates"][0]
times = np.unique(A["t"])
prev = None
added = removed = 0
for t in times:
    k = int(np.floor(t + 1e-9))
    sel = A["t"] == t
    pre, post = A["pre"][sel].astype(int), A["post"][sel].astype(int)
    a, b, c, d = A["v"][sel], B["v"][sel], C["v"][sel], D["v"][sel]
    pairs = list(zip(pre, post))
    assert len(set(pairs)) == len(pairs), f"t={t}: a pair twice"
    assert pairs == sorted(pairs), f"t={t}: rows not sorted by target"
    assert np.bincount(pre, minlength=20).max() <= CAP, f"t={t}: a row over max_row_length"
    cur = {}
    for i, (p, q) in enumerate(pairs):
        n = int(a[i])
        assert a[i] == n and 0 <= n <= 3, f"t={t} ({p},{q}): a = {a[i]} (s > 50 removes at 4)"
        if n == 0:  # made by this rewiring (or built, k = 0): never written
            assert b[i] == 0 and c[i] == 0 and d[i] == 0, (t, p, q, b[i], c[i], d[i])
            r = k
        else:
            r = k - n
            assert b[i] == 5.0 * 2 ** n, f"t={t} ({p},{q}): b = {b[i]}, n = {n}"
            assert c[i] == n + (7 if r > 0 else 0), f"t={t} ({p},{q}): c2 = {c[i]}, r = {r}"
            assert d[i] == (-1 if r == 0 else 100 * q + p), f"t={t} ({p},{q}): d = {d[i]}, r = {r}"
        cur[(p, q)] = (n, r)
        if k > 0 and n == 0:
            added += 1
    if prev is not None:
        for pq, (n, r) in prev.items():
            if n < 3:  # s <= 40 after the next run: kept, one run older
                assert pq in cur and cur[pq] == (n + 1, r), f"t={t} {pq}: lost or changed {cur.get(pq)}"
            else:      # removed; the pair may be made again
                assert pq not in cur or cur[pq][0] == 0, f"t={t} {pq}: not removed"
                removed += 1
    prev = cur
assert len(times) == 101, len(times)
assert (j["runs"], j["added"], j["removed"]) == (100, added, removed), (j, added, removed)
assert added > 500 and removed > 500
print(f"ok: {len(times)} snapshots, {added} added, {removed} removed")
