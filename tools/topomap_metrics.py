#!/usr/bin/python3
"""tools/topomap_metrics.py - metrics of the topographic map (models/topographic_map.lua;
../shared/reference/topographic_map.md §3.7) from its recorded synapses.

Usage: topomap_metrics.py OUT [--json FILE]
OUT is the simulator's output directory (run.json, ff_g.npy, lat_g.npy: the synapse
snapshots `record{ ff = { "g", every = ... } }` writes). For every snapshot of the
feed-forward projection it prints:
  synapses     the number of synapses
  in_deg       mean (sd) in-degree over the targets (reference 2 pi p sigma^2 = 6.28)
  out_deg      mean (sd) out-degree over the sources
  rms_d        sqrt(mean d^2) over the synapses, d the periodic displacement of the source
               from the target's ideal position (the same grid point): the width of the
               connection-probability profile; the initial Gaussian (sigma = 2.5) gives
               sqrt(2) sigma = 3.54; a refined map is narrower
  rms_d_g      the same weighted by g (the weights' profile)
  p_center     the connection probability at displacements d <= 1 (5 grid points; the
               initial profile gives about 0.16 exp(-1 / 12.5) ~ 0.15)
  sigma_aff    mean over targets of sqrt(sum g d^2(i, c) / sum g), c the receptive-field
               centre (the grid point minimising sum g d^2, searched within 8 points of
               the ideal one) [BMW10]; targets without afferents are left out
  AD           mean distance of the receptive-field centres from the ideal ones
  weak_elim    (between consecutive snapshots) the fraction of eliminated synapses whose
               last recorded g was below 0.1 (eliminations dominated by weak synapses)
It also prints the connection probability against displacement along dx = 0 (dy = -4..4)
for the first and the last snapshot.  --json writes all of it for scripts.
"""
import json, sys
import numpy as np

def load(out, proj):
    a = np.load(f"{out}/{proj}_g.npy")
    return [(t, a[a["t"] == t]) for t in sorted(set(a["t"]))]

def torus(d, n):
    d = np.abs(d) % n
    return np.minimum(d, n - d)

def metrics(snap, n, prev=None):
    N = n * n
    pre, post, g = snap["pre"].astype(np.int64), snap["post"].astype(np.int64), snap["v"].astype(float)
    dx = torus(pre % n - post % n, n)
    dy = torus(pre // n - post // n, n)
    d2 = dx * dx + dy * dy
    ind = np.bincount(post, minlength=N)
    outd = np.bincount(pre, minlength=N)
    m = {"synapses": int(len(pre)), "in_deg": float(ind.mean()), "in_deg_sd": float(ind.std()),
         "out_deg": float(outd.mean()), "out_deg_sd": float(outd.std()),
         "rms_d": float(np.sqrt(d2.mean())) if len(pre) else 0.0,
         "p_center": float((d2 <= 1).sum()) / (5.0 * N),
         "rms_d_g": float(np.sqrt((g * d2).sum() / g.sum())) if g.sum() > 0 else 0.0}
    # receptive-field centres: offsets within +-R of the ideal point
    R = min(8, n // 2)
    off = np.arange(-R, R + 1)
    ox, oy = np.meshgrid(off, off, indexing="ij")
    ox, oy = ox.ravel(), oy.ravel()
    # per synapse, the signed periodic displacement of the source from the target
    sx = (pre % n - post % n + n // 2) % n - n // 2
    sy = (pre // n - post // n + n // 2) % n - n // 2
    cost = np.zeros((N, len(ox)))
    for k in range(len(ox)):  # sum over afferents of g * d^2(source, ideal + offset)
        ddx = torus(sx - ox[k], n)
        ddy = torus(sy - oy[k], n)
        cost[:, k] = np.bincount(post, weights=g * (ddx * ddx + ddy * ddy), minlength=N)
    gs = np.bincount(post, weights=g, minlength=N)
    has = gs > 0
    best = cost.argmin(axis=1)
    m["sigma_aff"] = float(np.sqrt(cost[np.arange(N), best][has] / gs[has]).mean()) if has.any() else 0.0
    m["AD"] = float(np.sqrt(ox[best] ** 2 + oy[best] ** 2)[has].mean()) if has.any() else 0.0
    # connection probability along dx = 0
    prof = {}
    for v in range(-4, 5):
        c = ((sx == 0) & (sy == v)).sum()
        prof[v] = float(c) / N
    m["profile_dx0"] = prof
    if prev is not None:
        ppre, ppost, pg = prev["pre"], prev["post"], prev["v"]
        old = dict(zip(zip(ppre.tolist(), ppost.tolist()), pg.tolist()))
        new = set(zip(pre.tolist(), post.tolist()))
        gone = [v for p, v in old.items() if p not in new]
        m["eliminated"] = len(gone)
        m["formed"] = len(new - set(old))
        m["weak_elim"] = float(np.mean(np.array(gone) < 0.1)) if gone else float("nan")
    return m

def main():
    out = sys.argv[1]
    jpath = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    N = next(p["size"] for p in json.load(open(f"{out}/run.json"))["populations"] if p["name"] == "T")
    n = int(round(N ** 0.5))
    res = {}
    for proj in ("ff", "lat"):
        try:
            snaps = load(out, proj)
        except FileNotFoundError:
            continue
        rows, prev = [], None
        print(f"{proj}: n = {n}")
        print(f"  {'t (s)':>8} {'synapses':>8} {'in_deg':>12} {'out_deg':>12} {'rms_d':>6} "
              f"{'p_center':>8} {'rms_d_g':>7} {'sigma_aff':>9} {'AD':>5} {'elim':>5} {'form':>5} {'weak_elim':>9}")
        for t, s in snaps:
            m = metrics(s, n, prev)
            m["t"] = float(t)
            rows.append(m)
            print(f"  {t / 1000:8.2f} {m['synapses']:8d} {m['in_deg']:6.2f} ({m['in_deg_sd']:4.2f}) "
                  f"{m['out_deg']:6.2f} ({m['out_deg_sd']:4.2f}) {m['rms_d']:6.3f} {m['p_center']:8.3f} {m['rms_d_g']:7.3f} "
                  f"{m['sigma_aff']:9.3f} {m['AD']:5.2f} {m.get('eliminated', ''):>5} "
                  f"{m.get('formed', ''):>5} {m.get('weak_elim', float('nan')):9.3f}")
            prev = s
        for lab, m in (("first", rows[0]), ("last", rows[-1])):
            print(f"  connection probability along dx = 0, {lab}: " +
                  " ".join(f"{v:+d}:{p:.3f}" for v, p in m["profile_dx0"].items()))
        res[proj] = rows
    if jpath:
        json.dump(res, open(jpath, "w"), indent=1)

if __name__ == "__main__":
    main()
