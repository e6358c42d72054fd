#!/usr/bin/python3
"""tools/topomap_metrics.py - metrics and figures of the topographic map
(models/topographic_map.lua; ../shared/reference/topographic_map.md §3.7;
docs/topographic_map.md) from its recorded synapses.

Usage: topomap_metrics.py OUT [--json FILE] [--png DIR] [--rows K]
                              [--candidates R] [--p-pot P]
OUT is the simulator's output directory (run.json, ff_g.npy, lat_g.npy: the synapse
snapshots `record{ ff = { "g", every = ... } }` writes; -D snapshots=k sets how many).
For K (default 11) snapshots spread over the run, per projection, it prints:
  synapses     the number of synapses
  in_deg       mean (sd) in-degree over the targets (reference 2 pi p sigma^2 = 6.28)
  out_deg      mean (sd) out-degree over the sources
  rms_d        sqrt(mean d^2) over the synapses, d the periodic displacement of the source
               from the target's ideal position (the same grid point): the width of the
               connection-probability profile; the initial Gaussian (sigma = 2.5) gives
               sqrt(2) sigma = 3.54; a refined map is narrower
  sigma_fit    the sigma of the Gaussian p exp(-d^2 / (2 sigma^2)) fitted to the
               connection probability against d^2 (weighted least squares of log P over
               the displacements with synapses, d <= n/2): 2.5 initially
  rms_d_g      rms_d weighted by g (the weights' profile)
  p_center     the connection probability at displacements d <= 1 (5 grid points; the
               initial profile gives about 0.16 exp(-1 / 12.5) ~ 0.15)
  sigma_aff    mean over targets of sqrt(sum g d^2(i, c) / sum g), c the receptive-field
               centre (the grid point minimising sum g d^2, searched within 8 points of
               the ideal one) [BMW10]; targets without afferents are left out
  AD           mean distance of the receptive-field centres from the ideal ones
  elim, form   eliminations and formations since the previous printed row (from the
               differences of consecutive snapshots: a synapse made and removed between
               two snapshots is not seen)
  weak_elim    the share of those eliminations whose g in the snapshot before was below
               0.1.  The snapshot is up to one interval older than the elimination, and a
               synapse depressed below 0.1 in between counts as strong: an underestimate
               (bench/peers/topomap_ref.c: exact 0.957, estimate from 100 ms snapshots
               0.853 at s = 1, 60 s)
At the end, per projection, the totals and weak_elim_rule: 1 - (expected eliminations of
strong synapses) / eliminations, the expectation being p_pot * R / (N_pre N_post) per
update (1 ms) and strong synapse (g >= 0.1 in the snapshots, summed over the intervals),
R = --candidates (default 10 s^2, the model's -D rewire_rate=1) and p_pot = --p-pot
(0.0068): the rule's own estimate of the weak share, close to the exact one when the
snapshots are dense (0.96 at s = 1, 60 s, 100 ms snapshots).
It also prints the connection probability along dx = 0 (dy = -4..4) for the first and the
last snapshot.  --json writes all of it for scripts.

--png DIR draws KSN25's figures as PNG files into DIR (made if missing; needs
python3-matplotlib; docs/figures/topographic_map/ holds those of s = 1, 60 s):
  <proj>_profile.png   connection probability and mean weight against the displacement
                       (dx, dy) of the source from the target, first and last snapshot
  <proj>_rewiring.png  eliminations and formations (events/s) against distance (1-unit
                       bins) and time (200 ms bins, or the snapshot interval if longer)
                       with sigma_form as a line; in- and out-degree (mean +- sd) over
                       time against 2 pi p_form sigma_form^2; the connection probability
                       along dx = 0 over time
"""
import json, sys
import numpy as np

FORM = {"ff": (0.16, 2.5), "lat": (1.0, 1.0)}   # p_form, sigma_form (spec §3.5)
G_THR = 0.1


def load(out, proj):
    a = np.load(f"{out}/{proj}_g.npy")
    a = a[np.argsort(a["t"], kind="stable")]
    ts, starts = np.unique(a["t"], return_index=True)
    ends = list(starts[1:]) + [len(a)]
    return [(float(t), a[s:e]) for t, s, e in zip(ts, starts, ends)]


def torus(d, n):
    d = np.abs(d) % n
    return np.minimum(d, n - d)


def signed(d, n):
    return (d + n // 2) % n - n // 2


def geometry(snap, n):
    pre, post = snap["pre"].astype(np.int64), snap["post"].astype(np.int64)
    sx = signed(pre % n - post % n, n)
    sy = signed(pre // n - post // n, n)
    return pre, post, sx, sy


def sigma_fit(sx, sy, n):
    """Gaussian fitted to the connection probability against d^2 over the displacements."""
    N = n * n
    R = n // 2
    cnt = np.zeros((n, n))
    np.add.at(cnt, (sx + n // 2, sy + n // 2), 1)
    ox, oy = np.meshgrid(np.arange(n) - n // 2, np.arange(n) - n // 2, indexing="ij")
    d2 = (ox * ox + oy * oy).ravel()
    c = cnt.ravel()
    ok = (c > 0) & (d2 <= R * R)
    if ok.sum() < 3:
        return 0.0
    y = np.log(c[ok] / N)
    A = np.vstack([np.ones(ok.sum()), d2[ok]]).T
    w = np.sqrt(c[ok])          # Poisson weights for log counts
    coef = np.linalg.lstsq(A * w[:, None], y * w, rcond=None)[0]
    return float(np.sqrt(-1.0 / (2.0 * coef[1]))) if coef[1] < 0 else float("inf")


def metrics(snap, n, full=True):
    N = n * n
    pre, post, sx, sy = geometry(snap, n)
    g = snap["v"].astype(float)
    d2 = sx * sx + sy * sy
    ind = np.bincount(post, minlength=N)
    outd = np.bincount(pre, minlength=N)
    m = {"synapses": int(len(pre)), "in_deg": float(ind.mean()), "in_deg_sd": float(ind.std()),
         "out_deg": float(outd.mean()), "out_deg_sd": float(outd.std()),
         "weak": float((g < G_THR).mean()) if len(g) else 0.0,
         "rms_d": float(np.sqrt(d2.mean())) if len(pre) else 0.0,
         "p_center": float((d2 <= 1).sum()) / (5.0 * N),
         "rms_d_g": float(np.sqrt((g * d2).sum() / g.sum())) if g.sum() > 0 else 0.0}
    if not full:
        return m
    m["sigma_fit"] = sigma_fit(sx, sy, n)
    # receptive-field centres: offsets within +-R of the ideal point
    R = min(8, n // 2)
    off = np.arange(-R, R + 1)
    ox, oy = np.meshgrid(off, off, indexing="ij")
    ox, oy = ox.ravel(), oy.ravel()
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
    m["profile_dx0"] = {v: float(((sx == 0) & (sy == v)).sum()) / N for v in range(-4, 5)}
    return m


def changes(prev, snap, n):
    """Eliminated (with the g of prev) and formed synapses between two snapshots."""
    N = n * n
    pk = prev["pre"].astype(np.int64) * N + prev["post"]
    k = snap["pre"].astype(np.int64) * N + snap["post"]
    gone = ~np.isin(pk, k)
    new = ~np.isin(k, pk)
    def dist(sel):
        pre, post = sel["pre"].astype(np.int64), sel["post"].astype(np.int64)
        dx = torus(pre % n - post % n, n)
        dy = torus(pre // n - post // n, n)
        return np.sqrt(dx * dx + dy * dy)
    return dist(prev[gone]), prev["v"][gone], dist(snap[new])


def analyse(snaps, n, rows, R, p_pot):
    N = n * n
    pick = sorted(set(np.linspace(0, len(snaps) - 1, min(rows, len(snaps))).round().astype(int)))
    per = []          # per snapshot: t, light metrics, changes since the previous one
    strong_ms = 0.0   # strong synapse-milliseconds (for the rule's estimate)
    for k, (t, s) in enumerate(snaps):
        m = metrics(s, n, full=k in pick)
        m["t"] = t
        if k:
            ed, eg, fd = changes(snaps[k - 1][1], s, n)
            m["elim_d"], m["elim_g"], m["form_d"] = ed, eg, fd
            strong_ms += float((snaps[k - 1][1]["v"] >= G_THR).sum()) * (t - snaps[k - 1][0])
        per.append(m)
    rows_out = []
    last = 0
    for k in pick:
        m = {key: v for key, v in per[k].items() if key not in ("elim_d", "elim_g", "form_d")}
        if k:
            eg = np.concatenate([per[j]["elim_g"] for j in range(last + 1, k + 1)])
            m["eliminated"] = int(len(eg))
            m["formed"] = int(sum(len(per[j]["form_d"]) for j in range(last + 1, k + 1)))
            m["weak_elim"] = float(np.mean(eg < G_THR)) if len(eg) else float("nan")
        rows_out.append(m)
        last = k
    eg = np.concatenate([m["elim_g"] for m in per[1:]]) if len(per) > 1 else np.zeros(0)
    dt_upd = 1.0  # ms between the rule's updates
    exp_strong = p_pot * R / (N * N) * strong_ms / dt_upd
    tot = {"eliminated": int(len(eg)),
           "formed": int(sum(len(m["form_d"]) for m in per[1:])),
           "weak_elim": float(np.mean(eg < G_THR)) if len(eg) else float("nan"),
           "expected_strong_elim": exp_strong,
           "weak_elim_rule": float(1.0 - exp_strong / len(eg)) if len(eg) else float("nan")}
    return per, rows_out, tot


def figures(proj, snaps, per, n, outdir):
    import os
    os.makedirs(outdir, exist_ok=True)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    N = n * n
    p_form, s_form = FORM.get(proj, (float("nan"), float("nan")))
    R = min(8, n // 2)
    # 1. probability and mean weight against displacement, first and last snapshot
    fig, ax = plt.subplots(2, 2, figsize=(7.2, 6.0))
    ext = [-R - 0.5, R - 0.5, -R - 0.5, R - 0.5]
    for r, (t, s) in enumerate((snaps[0], snaps[-1])):
        _, _, sx, sy = geometry(s, n)
        ok = (np.abs(sx) <= R) & (np.abs(sy) <= R) & (sx < R) & (sy < R)
        cnt = np.zeros((2 * R, 2 * R))
        gw = np.zeros((2 * R, 2 * R))
        np.add.at(cnt, (sy[ok] + R, sx[ok] + R), 1)
        np.add.at(gw, (sy[ok] + R, sx[ok] + R), s["v"][ok])
        prob = cnt / N
        with np.errstate(invalid="ignore"):
            mw = np.where(cnt > 0, gw / np.maximum(cnt, 1), np.nan)
        im = ax[r, 0].imshow(prob, origin="lower", extent=ext, cmap="viridis", vmin=0)
        fig.colorbar(im, ax=ax[r, 0], fraction=0.046)
        ax[r, 0].set_title(f"connection probability, t = {t / 1000:.1f} s", fontsize=9)
        im = ax[r, 1].imshow(mw, origin="lower", extent=ext, cmap="magma", vmin=0, vmax=0.2)
        fig.colorbar(im, ax=ax[r, 1], fraction=0.046)
        ax[r, 1].set_title(f"mean weight g (uS), t = {t / 1000:.1f} s", fontsize=9)
        for c in (0, 1):
            ax[r, c].set_xlabel("dx (source - target)", fontsize=8)
            ax[r, c].set_ylabel("dy", fontsize=8)
            ax[r, c].tick_params(labelsize=7)
    fig.suptitle(f"{proj}: profile against displacement (n = {n})", fontsize=10)
    fig.tight_layout()
    fig.savefig(f"{outdir}/{proj}_profile.png", dpi=72)
    plt.close(fig)
    # 2. rewiring over time, degrees, dx = 0 profile over time
    ts = np.array([m["t"] for m in per]) / 1000.0
    span = ts[-1] - ts[0]
    step = np.diff(ts).max() if len(ts) > 1 else 1.0
    width = max(0.2, step)
    nb = max(1, int(np.ceil(span / width - 1e-9)))
    dmax = int(np.ceil(n / np.sqrt(2))) + 1
    E = np.zeros((dmax, nb))
    F = np.zeros((dmax, nb))
    for m, t in zip(per[1:], ts[1:]):
        b = min(nb - 1, int((t - ts[0] - 1e-9) // width))
        np.add.at(E, (np.minimum(m["elim_d"].astype(int), dmax - 1), b), 1)
        np.add.at(F, (np.minimum(m["form_d"].astype(int), dmax - 1), b), 1)
    fig, ax = plt.subplots(2, 2, figsize=(9.0, 6.4))
    ext = [ts[0], ts[0] + nb * width, 0, dmax]
    for a, H, lab in ((ax[0, 0], E, "eliminations"), (ax[0, 1], F, "formations")):
        im = a.imshow(H / width, origin="lower", aspect="auto", extent=ext, cmap="viridis",
                      interpolation="nearest")
        fig.colorbar(im, ax=a, fraction=0.046, label="events/s")
        a.axhline(s_form, color="w", ls="--", lw=1)
        a.set_title(f"{lab} against distance ({width * 1000:g} ms bins; -- sigma_form)", fontsize=9)
        a.set_xlabel("t (s)", fontsize=8)
        a.set_ylabel("distance (grid units)", fontsize=8)
    a = ax[1, 0]
    for key, lab, col, ls in (("in_deg", "in-degree", "C0", "-"), ("out_deg", "out-degree", "C1", ":")):
        mu = np.array([m[key] for m in per])
        sd = np.array([m[key + "_sd"] for m in per])
        a.plot(ts, mu, color=col, ls=ls, label=lab)
        a.fill_between(ts, mu - sd, mu + sd, color=col, alpha=0.25, lw=0)
    K = 2 * np.pi * p_form * s_form ** 2
    a.axhline(K, color="k", ls="--", lw=1, label=f"2 pi p sigma^2 = {K:.2f}")
    a.set_xlabel("t (s)", fontsize=8)
    a.set_ylabel("synapses per neuron (mean +- sd)", fontsize=8)
    a.legend(fontsize=7)
    a.set_title("in- and out-degree", fontsize=9)
    a = ax[1, 1]
    P = np.zeros((2 * R, len(snaps)))
    for k, (t, s) in enumerate(snaps):
        _, _, sx, sy = geometry(s, n)
        ok = (sx == 0) & (sy < R)
        np.add.at(P[:, k], sy[ok] + R, 1.0 / N)
    im = a.imshow(P, origin="lower", aspect="auto", cmap="viridis",
                  extent=[ts[0], ts[-1], -R - 0.5, R - 0.5], interpolation="nearest")
    fig.colorbar(im, ax=a, fraction=0.046, label="probability")
    a.set_title("connection probability along dx = 0", fontsize=9)
    a.set_xlabel("t (s)", fontsize=8)
    a.set_ylabel("dy", fontsize=8)
    for a in ax.ravel():
        a.tick_params(labelsize=7)
    fig.suptitle(f"{proj}: rewiring over time (n = {n})", fontsize=10)
    fig.tight_layout()
    fig.savefig(f"{outdir}/{proj}_rewiring.png", dpi=72)
    plt.close(fig)


def opt(name, default, conv=str):
    return conv(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main():
    out = sys.argv[1]
    jpath = opt("--json", None)
    pngdir = opt("--png", None)
    nrows = opt("--rows", 11, int)
    N = next(p["size"] for p in json.load(open(f"{out}/run.json"))["populations"] if p["name"] == "T")
    n = int(round(N ** 0.5))
    R = opt("--candidates", 10 * (n // 16) ** 2, float)
    p_pot = opt("--p-pot", 0.000136 * 50, float)
    res = {}
    for proj in ("ff", "lat"):
        try:
            snaps = load(out, proj)
        except FileNotFoundError:
            continue
        per, rows, tot = analyse(snaps, n, nrows, R, p_pot)
        print(f"{proj}: n = {n}, {len(snaps)} snapshots")
        print(f"  {'t (s)':>8} {'synapses':>8} {'in_deg':>12} {'out_deg':>12} {'rms_d':>6} {'sig_fit':>7} "
              f"{'p_center':>8} {'rms_d_g':>7} {'sigma_aff':>9} {'AD':>5} {'elim':>5} {'form':>5} {'weak_elim':>9}")
        for m in rows:
            print(f"  {m['t'] / 1000:8.2f} {m['synapses']:8d} {m['in_deg']:6.2f} ({m['in_deg_sd']:4.2f}) "
                  f"{m['out_deg']:6.2f} ({m['out_deg_sd']:4.2f}) {m['rms_d']:6.3f} {m['sigma_fit']:7.3f} "
                  f"{m['p_center']:8.3f} {m['rms_d_g']:7.3f} "
                  f"{m['sigma_aff']:9.3f} {m['AD']:5.2f} {m.get('eliminated', ''):>5} "
                  f"{m.get('formed', ''):>5} {m.get('weak_elim', float('nan')):9.3f}")
        print(f"  total: {tot['eliminated']} eliminated, {tot['formed']} formed; weak share of the "
              f"eliminations {tot['weak_elim']:.3f} (snapshots), {tot['weak_elim_rule']:.3f} (rule: "
              f"{tot['expected_strong_elim']:.0f} strong expected)")
        for lab, m in (("first", rows[0]), ("last", rows[-1])):
            print(f"  connection probability along dx = 0, {lab}: " +
                  " ".join(f"{v:+d}:{p:.3f}" for v, p in m["profile_dx0"].items()))
        res[proj] = rows
        res[proj + "_total"] = tot
        if pngdir:
            figures(proj, snaps, per, n, pngdir)
    if jpath:
        json.dump(res, open(jpath, "w"), indent=1)


if __name__ == "__main__":
    main()
