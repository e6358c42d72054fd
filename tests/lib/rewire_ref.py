"""tests/lib/rewire_ref.py - the parts shared by the NumPy checks of connectivity updates
(tests/e2e/struct_plast/check.py, tests/e2e/rewire_cand/check.py): reading a run's
recordings of the rewired projection SE (w and the on_post counter c, every synapse
recorded at every update), the checks of every snapshot and of run.json's counts, and the
on_post check (c = the target's spikes since the synapse was made, so the column views are
rebuilt after every update).  The update rules themselves stay in the check scripts."""
import json

import numpy as np


def load(out, dt):
    """(run.json's connectivity update, the c recording, the snapshot times, the w
    snapshots, the run's steps) of the run in directory out"""
    cu = json.load(open(f"{out}/run.json"))["connectivity_updates"][0]
    w = np.load(f"{out}/SE_w.npy")
    c = np.load(f"{out}/SE_c.npy")
    assert (w["t"] == c["t"]).all() and (w["pre"] == c["pre"]).all() and (w["post"] == c["post"]).all()
    times = sorted(set(w["t"]))
    snaps = [w[w["t"] == t] for t in times]
    n_steps = int(round(times[-1] / dt))
    return cu, c, times, snaps, n_steps


def as_dict(s):
    """a snapshot as {(pre, post): w}"""
    return {(int(a), int(b)): float(v) for a, b, v in zip(s["pre"], s["post"], s["v"])}


def check_snapshot(k, snap, state, K, n_pre):
    """update k's snapshot snap holds exactly the synapses and weights of state (a dict as
    as_dict gives), rows within K synapses, no pair twice, in (pre, post) order"""
    got = as_dict(snap)
    assert set(got) == set(state), f"update {k}: pairs differ: {sorted(set(got) ^ set(state))[:5]}"
    for p in state:
        assert got[p] == state[p], f"update {k}: {p} has w {got[p]!r}, expected {state[p]!r}"
    rows = np.bincount(snap["pre"], minlength=n_pre)
    assert rows.max() <= K, f"update {k}: a row holds {rows.max()} > {K}"
    pairs = list(zip(snap["pre"], snap["post"]))
    assert len(pairs) == len(set(pairs)), f"update {k}: a pair twice"
    assert pairs == sorted(pairs), f"update {k}: not in (pre, post) order"


def check_counts(cu, updates, removed, added, failed, state):
    """run.json's runs, removed / added / failed and synapses are the reimplementation's"""
    assert updates == cu["runs"], (updates, cu["runs"])
    assert (removed, added, failed) == (cu["removed"], cu["added"], cu["failed"]), \
        ((removed, added, failed), cu)
    assert cu["synapses"] == len(state)


def check_on_post(out, snaps, c, times, birth, dt):
    """on_post (c += 1) after the rewirings: every synapse of the last snapshot counted
    exactly its target's spikes after step birth[(pre, post)] (-1: built); returns the
    spikes of E"""
    spk = np.load(f"{out}/spikes_E.npy")
    sstep = np.round(spk["t"] / dt).astype(int) - 1
    last = snaps[-1]
    bad = 0
    for a, b, v in zip(last["pre"], last["post"], c[c["t"] == times[-1]]["v"]):
        want = int(((spk["i"] == b) & (sstep > birth[(int(a), int(b))])).sum())
        bad += v != want
    assert bad == 0, f"{bad} synapses counted other spikes than their target's"
    return spk
