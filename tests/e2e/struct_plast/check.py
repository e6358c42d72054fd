# tests/e2e/struct_plast.sh: the recorded synapses of rewire.lua (mode 0) against a NumPy
# reimplementation of the connectivity update with the documented random numbers
# (docs/language.md "Connectivity updates", docs/architecture.md "Random numbers").
import os, sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from snn_rng import neuron_words, syn_words, u53  # tests/lib/snn_rng.py
from rewire_ref import as_dict, check_counts, check_on_post, check_snapshot, load  # tests/lib

out, seed = sys.argv[1], int(sys.argv[2])
N_PRE = N_POST = 20
EVERY, DT = 10, 0.1
THETA, P_RM, W0 = 0.3, 0.05, 0.5

cu, c, times, snaps, n_steps = load(out, DT)
K = cu["max_row_length"]
state = as_dict(snaps[0])
birth = {p: -1 for p in state}  # the step after which each synapse counts its target's spikes
built = max(sum(1 for p in state if p[0] == i) for i in range(N_PRE))
assert K == min(N_POST, int(built * 1.25)), (K, built)
removed = added = failed = 0
updates = 0
for k in range(1, len(snaps)):
    step = EVERY * k - 1
    if step >= n_steps:  # the last snapshot is the state at the end, after no further update
        break
    updates += 1
    new = {}
    for (i, jj), v in sorted(state.items()):  # removals
        rm = v < THETA or u53(syn_words(seed, "rw:rw/remove", i, jj, step)) < P_RM
        if rm:
            removed += 1
        else:
            new[(i, jj)] = v
    for i in range(N_PRE):  # additions: row i's stream gives the count, then the targets
        g = neuron_words(seed, "rw:rw/add", i, step)
        cnt = int(np.floor(u53(g) * 4))
        room = K - sum(1 for p in new if p[0] == i)
        tries = min(cnt, room)
        failed += cnt - tries
        for kk in range(tries):
            t = int(np.floor(u53(g) * N_POST))
            if (i, t) in new:
                failed += 1
                continue
            new[(i, t)] = W0 + 0.5 * u53(syn_words(seed, "rw:rw/init", i, t, step))
            birth[(i, t)] = step
            added += 1
    state = new
    check_snapshot(k, snaps[k], state, K, N_PRE)
check_counts(cu, updates, removed, added, failed, state)
assert removed > 100 and added > 100 and failed > 0, (removed, added, failed)
# on_post after the rewirings: c = the target's spikes since the synapse was made
spk = check_on_post(out, snaps, c, times, birth, DT)
assert len(spk) > 100
print(f"ok   exact against NumPy: {updates} updates, {removed} removed, {added} added, "
      f"{failed} failed, capacity {K}; on_post counts right after every rewiring")
