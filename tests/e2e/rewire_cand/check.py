# tests/e2e/rewire_cand.sh: the recorded synapses of cand.lua against a NumPy
# reimplementation of connectivity_update{ candidates = ... } with the documented random
# numbers (docs/language.md "Connectivity updates", docs/architecture.md "Random numbers").
# Usage: check.py OUT SEED MODE
import json, sys
import numpy as np

M32, M64 = 0xFFFFFFFF, (1 << 64) - 1
out, seed, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
N_PRE, N_POST = 20, 24
EVERY, DT = 10, 0.1

def philox(ctr, key):  # Philox4x32-10, Random123's constants
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & M32, p1 & M32, ((p0 >> 32) ^ c3 ^ k1) & M32, p0 & M32
    return [c0, c1, c2, c3]

def fmix64(x):
    x ^= x >> 33; x = (x * 0xFF51AFD7ED558CCD) & M64
    x ^= x >> 33; x = (x * 0xC4CEB9FE1A85EC53) & M64
    return x ^ (x >> 33)

def stream_id(name):  # FNV-1a, 32 bits
    h = 2166136261
    for ch in name.encode():
        h = ((h ^ ch) * 16777619) & M32
    return h

def syn_words(stream, pre, post, step):  # synapse-keyed: (pre, post, ordinal 0), step
    m = fmix64(seed)
    key = ((m & M32) ^ stream_id(stream), (m >> 32) & M32)
    draw = 0
    while True:
        yield from philox([draw, pre, post, step & M32], key)
        draw += 1

def row_words(stream, elem, step):  # neuron-keyed: element, step
    key = (seed & M32, stream_id(stream))
    draw = 0
    while True:
        yield from philox([draw, elem, step & M32, seed >> 32], key)
        draw += 1

def u53(g):  # snn_rng_uniform
    a, b = next(g) >> 5, next(g) >> 6
    x = (a << 26) | b
    return x / 2.0**53 if x else 2.0**-54

def below(n, g):  # a 32-bit word w gives floor(w n / 2^32)
    return (next(g) * n) >> 32

j = json.load(open(f"{out}/run.json"))
cu = j["connectivity_updates"][0]
K = cu["max_row_length"]
assert K == (10 if mode == 0 else 6), K
w = np.load(f"{out}/SE_w.npy")
c = np.load(f"{out}/SE_c.npy")
assert (w["t"] == c["t"]).all() and (w["pre"] == c["pre"]).all() and (w["post"] == c["post"]).all()
times = sorted(set(w["t"]))
snaps = [w[w["t"] == t] for t in times]
n_steps = int(round(times[-1] / DT))
def as_dict(s):
    return {(int(a), int(b)): float(v) for a, b, v in zip(s["pre"], s["post"], s["v"])}
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
        g = row_words("rw:bam/total", 0xFFFFFFFF, step)
        left = 7
        while left:
            i = below(N_PRE, g)
            if counts[i] < N_POST:
                counts[i] += 1
                left -= 1
    cands = []
    for i in range(N_PRE):
        g = row_words("rw:bam/add", i, step)
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
                rm = u53(syn_words("rw:bam/elim", i, jj, step)) < (0.9 if v < 0.4 else 0.1)
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
            u = u53(syn_words("rw:bam/form", i, jj, step))
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
            new[(i, jj)] = (0.25 + 0.5 * u53(syn_words("rw:bam/init", i, jj, step))
                            if mode == 0 else 0.75)
            birth[(i, jj)] = step
            added += 1
    state = new
    got = as_dict(snaps[k])
    assert set(got) == set(state), f"update {k}: pairs differ: {sorted(set(got) ^ set(state))[:5]}"
    for p in state:
        assert got[p] == state[p], f"update {k}: {p} has w {got[p]!r}, expected {state[p]!r}"
    rows = np.bincount(snaps[k]["pre"], minlength=N_PRE)
    assert rows.max() <= K, f"update {k}: a row holds {rows.max()} > {K}"
    pairs = list(zip(snaps[k]["pre"], snaps[k]["post"]))
    assert len(pairs) == len(set(pairs)), f"update {k}: a pair twice"
    assert pairs == sorted(pairs), f"update {k}: not in (pre, post) order"
assert updates == cu["runs"], (updates, cu["runs"])
assert (removed, added, failed) == (cu["removed"], cu["added"], cu["failed"]), \
    ((removed, added, failed), cu)
assert removed > 10 and added > 40 and failed > 0, (removed, added, failed)
assert cu["synapses"] == len(state)
spk = np.load(f"{out}/spikes_E.npy")
sstep = np.round(spk["t"] / DT).astype(int) - 1
last = snaps[-1]
bad = 0
for a, b, v in zip(last["pre"], last["post"], c[c["t"] == times[-1]]["v"]):
    want = int(((spk["i"] == b) & (sstep > birth[(int(a), int(b))])).sum())
    bad += v != want
assert bad == 0, f"{bad} synapses counted other spikes than their target's"
print(f"mode {mode}: {updates} updates, {ncand} candidates ({elim_cand} connected), "
      f"removed {removed}, added {added}, failed {failed}: exact")
