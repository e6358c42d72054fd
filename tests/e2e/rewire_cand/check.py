# tests/e2e/rewire_cand.sh: the recorded synapses of cand.lua against a NumPy
# reimplementation of connectivity_update{ candidates = ... } with the documented random
# numbers (docs/language.md "Connectivity updates", docs/architecture.md "Random numbers").
# Usage: check.py OUT SEED MODE
import os, sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from snn_rng import neuron_words, syn_words, u53  # tests/lib/snn_rng.py
from rewire_ref import as_dict, check_counts, check_on_post, check_snapshot, load  # tests/lib

out, seed, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
N_PRE, N_POST = 20, 24
EVERY, DT = 10, 0.1

def below(n, g):  # a 32-bit word w gives floor(w n / 2^32)
    return (next(g) * n) >> 32

cu, c, times, snaps, n_steps = load(out, DT)
K = cu["max_row_length"]
assert K == (10 if mode == 0 else 6), K
state = as_dict(snaps[0])
birth = {p: -1 for p in state}
removed = added = failed = 0
ncand = elim_cand = 0
updates = 0
for k in range(1, len(snaps)):
    step = EVERY * k - 1
    if step >= n_steps:
        break
    updates += 1
    # candidates: row i's stream (rw:bam/add): count's draws, then the candidates
    counts = [0] * N_PRE
    if mode == 1:  # 7 spread over the rows from rw:bam/total, element 0xFFFFFFFF
        g = neuron_words(seed, "rw:bam/total", 0xFFFFFFFF, step)
        left = 7
        while left:
            i = below(N_PRE, g)
            if counts[i] < N_POST:
                counts[i] += 1
                left -= 1
    cands = []
    for i in range(N_PRE):
        g = neuron_words(seed, "rw:bam/add", i, step)
        cnt = int(np.floor(u53(g) * 5)) if mode == 0 else counts[i]
        chosen = []
        while len(chosen) < cnt:
            t = below(N_POST, g)
            if t not in chosen:
                chosen.append(t)
        cands.append(set(chosen))
        ncand += cnt
    new = {}
    for (i, jj), v in sorted(state.items()):  # removals: only connected candidates
        rm = False
        if jj in cands[i]:
            elim_cand += 1
            if mode == 0:
                rm = u53(syn_words(seed, "rw:bam/elim", i, jj, step)) < (0.9 if v < 0.4 else 0.1)
            else:
                rm = v < 0.3
        if rm:
            removed += 1
        else:
            new[(i, jj)] = v
    for i in range(N_PRE):  # formations: unconnected candidates, all or none per row
        acc = []
        for jj in sorted(cands[i]):
            if (i, jj) in state:
                continue
            u = u53(syn_words(seed, "rw:bam/form", i, jj, step))
            if mode == 0:
                dd = abs(i * N_POST / N_PRE - jj)
                d = min(dd, N_POST - dd)
                ok = u < 0.8 * np.exp(-d * d / (2.0 * 4.0 * 4.0))
            else:
                ok = u < 0.5
            if ok:
                acc.append(jj)
        room = K - sum(1 for p in new if p[0] == i)
        if len(acc) > room:
            failed += len(acc)
            continue
        for jj in acc:
            new[(i, jj)] = (0.25 + 0.5 * u53(syn_words(seed, "rw:bam/init", i, jj, step))
                            if mode == 0 else 0.75)
            birth[(i, jj)] = step
            added += 1
    state = new
    check_snapshot(k, snaps[k], state, K, N_PRE)
check_counts(cu, updates, removed, added, failed, state)
assert removed > 10 and added > 40 and failed > 0, (removed, added, failed)
check_on_post(out, snaps, c, times, birth, DT)
print(f"mode {mode}: {updates} updates, {ncand} candidates ({elim_cand} connected), "
      f"removed {removed}, added {added}, failed {failed}: exact")
