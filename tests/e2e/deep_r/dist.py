# tests/e2e/deep_r_inv.sh: chi-square tests of DEEP R's re-insertions on tests/e2e/deep_r/
# dist.lua's snapshots (one per step, each right after that step's rewiring).  A pass made
# the synapses whose t0 is its snapshot's t; the others were kept, so row i's free targets
# at that pass are the columns it did not keep.
#   - targets: each new synapse (i, j), j's rank among row i's free columns in ascending
#     order, put in 10 bins by floor(10 rank / |free|); expected counts: for each new
#     synapse, the share of row i's free columns in each bin (a target uniform over the
#     free columns; a row's additions are a uniform subset, drawn without replacement, so
#     each one is uniform over them);
#   - rows: the additions per row summed over the passes against a uniform spread (no row
#     is ever full here: max_row_length = N_post).
# Each statistic fails above the chi-square quantile of p = 0.001 for its degrees of freedom
# (Wilson-Hilferty approximation); argv[2] "biased": the target test must fail instead.
import sys
import numpy as np

out = sys.argv[1]
biased = sys.argv[2:] == ["biased"]
R = np.load(f"{out}/SE_t0.npy")
N_PRE, N_POST = 20, 50

def crit(df, z=3.090232):  # the chi-square quantile at p = 0.001
    return df * (1 - 2 / (9 * df) + z * np.sqrt(2 / (9 * df))) ** 3

steps = np.unique(R["t"])
obs, exp = np.zeros(10), np.zeros(10)
rows = np.zeros(N_PRE)
n_new = 0
for t in steps:
    s = R[R["t"] == t]
    isnew = s["v"] == t  # made at this snapshot's time: (k + 1) dt
    for i in range(N_PRE):
        r = s["pre"] == i
        kept = set(s["post"][r & ~isnew].tolist())
        free = np.array([c for c in range(N_POST) if c not in kept])
        bins = np.floor(10 * np.arange(len(free)) / len(free)).astype(int)
        for j in s["post"][r & isnew]:
            q = int(np.searchsorted(free, j))
            assert free[q] == j, (t, i, j)
            obs[bins[q]] += 1
            exp += np.bincount(bins, minlength=10) / len(free)
            rows[i] += 1
            n_new += 1
chi_t = float(((obs - exp) ** 2 / exp).sum())
e_r = n_new / N_PRE
chi_r = float(((rows - e_r) ** 2 / e_r).sum())
print(f"{n_new} re-insertions in {len(steps)} passes; targets chi2 = {chi_t:.2f} "
      f"(9 df, p = 0.001 at {crit(9):.2f}); rows chi2 = {chi_r:.2f} (19 df, at {crit(19):.2f})")
assert n_new > 10000, n_new
if biased:
    assert chi_t > crit(9), "biased targets not detected"
else:
    assert chi_t <= crit(9), f"targets not uniform over the free columns: chi2 {chi_t:.2f}"
    assert chi_r <= crit(19), f"rows not uniform: chi2 {chi_r:.2f}"
