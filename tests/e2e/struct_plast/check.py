# tests/e2e/struct_plast.sh: the recorded synapses of rewire.lua (mode 0) against a NumPy
# reimplementation of the connectivity update with the documented random numbers
# (docs/language.md "Connectivity updates", docs/architecture.md "Random numbers").
import json, sys
import numpy as np

M32, M64 = 0xFFFFFFFF, (1 << 64) - 1
out, seed = sys.argv[1], int(sys.argv[2])
N_PRE = N_POST = 20
EVERY, DT = 10, 0.1
THETA, P_RM, W0 = 0.3, 0.05, 0.5

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

j = json.load(open(f"{out}/run.json"))
cu = j["connectivity_updates"][0]
K = cu["max_row_length"]
w = np.load(f"{out}/SE_w.npy")
c = np.load(f"{out}/SE_c.npy")
assert (w["t"] == c["t"]).all() and (w["pre"] == c["pre"]).all() and (w["post"] == c["post"]).all()
times = sorted(set(w["t"]))
snaps = [w[w["t"] == t] for t in times]
n_steps = int(round(times[-1] / DT))
def as_dict(s):
    return {(int(a), int(b)): float(v) for a, b, v in zip(s["pre"], s["post"], s["v"])}
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
        rm = v < THETA or u53(syn_words("rw:rw/remove", i, jj, step)) < P_RM
        if rm:
            removed += 1
        else:
            new[(i, jj)] = v
    for i in range(N_PRE):  # additions: row i's stream gives the count, then the targets
        g = row_words("rw:rw/add", i, step)
        cnt = int(np.floor(u53(g) * 4))
        room = K - sum(1 for p in new if p[0] == i)
        tries = min(cnt, room)
        failed += cnt - tries
        for kk in range(tries):
            t = int(np.floor(u53(g) * N_POST))
            if (i, t) in new:
                failed += 1
                continue
            new[(i, t)] = W0 + 0.5 * u53(syn_words("rw:rw/init", i, t, step))
            birth[(i, t)] = step
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
assert removed > 100 and added > 100 and failed > 0, (removed, added, failed)
assert cu["synapses"] == len(state)
# on_post after the rewirings: c = the target's spikes since the synapse was made
spk = np.load(f"{out}/spikes_E.npy")
sstep = np.round(spk["t"] / DT).astype(int) - 1
last = snaps[-1]
bad = 0
for a, b, v in zip(last["pre"], last["post"], c[c["t"] == times[-1]]["v"]):
    want = int(((spk["i"] == b) & (sstep > birth[(int(a), int(b))])).sum())
    bad += v != want
assert bad == 0, f"{bad} synapses counted other spikes than their target's"
assert len(spk) > 100
print(f"ok   exact against NumPy: {updates} updates, {removed} removed, {added} added, "
      f"{failed} failed, capacity {K}; on_post counts right after every rewiring")
