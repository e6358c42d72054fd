"""tests/e2e/rewire_delays.sh: E's recorded input x against the rules of model.lua.

Usage: check.py OUTPUT_DIR MODE.  The synapses after each update are recomputed (every one
removed after step 0, then those with (pre + post + t) % 3 == 0 and (modes 0 and 2) those
with a delay of 7 steps; every missing pair added
with w = 1 + post + 8 pre and delay 1 + (post + 2 pre + t) % 7 ms in modes 0 and 2, 3 steps
in mode 1; mode 2 (candidates) forms only the pairs missing when the update starts); a spike of source i emitted in step s (recorded at t = s + 1 ms) is delivered in step
s + 1 through the rows as they are after step s's update and arrives in step s + d: x of
target j in step s + d is the sum of those weights, exactly."""
import json
import sys

import numpy as np

out, mode = sys.argv[1], int(sys.argv[2])
N_PRE, N_POST = 4, 6
spk = np.load(f"{out}/spikes_S.npy")
x = np.load(f"{out}/E_x.npy")
T = len(x)
assert np.allclose(x["t"], np.arange(1, T + 1)), "one record per step"
want = np.zeros((T + 16, N_POST))
rows = {(i, j): None for i in range(N_PRE) for j in range(N_POST)}  # -> (w, d in steps)
removed = added = 0
by_step = {}
for t, i in zip(spk["t"], spk["i"]):
    by_step.setdefault(int(round(t)) - 1, []).append(int(i))
for s in range(T):
    t = s + 1.0  # the update after step s
    start = set(rows)  # mode 2 (candidates): a pair connected at the start is not formed
    for (i, j) in list(rows):
        if t < 1.5 or (i + j + t) % 3 == 0 or (mode != 1 and rows[(i, j)][1] == 7):
            del rows[(i, j)]
            removed += 1
    for i in range(N_PRE):
        for j in range(N_POST):
            if (i, j) not in rows and (mode != 2 or (i, j) not in start):
                d = 1 + int((j + 2 * i + t) % 7) if mode != 1 else 3
                rows[(i, j)] = (1.0 + j + 8.0 * i, d)
                added += 1
    for i in by_step.get(s, []):
        for j in range(N_POST):
            if (i, j) in rows:
                w, d = rows[(i, j)]
                want[s + d, j] += w
got = np.array([r for r in x["v"]])
bad = np.argwhere(got != want[:T])
assert len(bad) == 0, (f"{len(bad)} values differ; first: step {bad[0][0]} target {bad[0][1]}: "
                       f"{got[bad[0][0], bad[0][1]]} != {want[bad[0][0], bad[0][1]]}")
assert np.count_nonzero(got) > T, "too few inputs to tell"
cu = json.load(open(f"{out}/run.json"))["connectivity_updates"][0]
assert (cu["runs"], cu["removed"], cu["added"], cu["failed"]) == (T, removed, added, 0), cu
print(f"{T} steps, {np.count_nonzero(got)} inputs, {removed} removals, {added} additions: exact")
