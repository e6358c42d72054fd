"""NumPy-side helpers of the data-set tests (datasets.sh, train.sh, train_batch.sh): the
shuffle order of an epoch exactly as docs/run.md documents it (Fisher-Yates over
SplitMix64, seeded from (seed, epoch)) and a reader of the NumPy data-set layout."""
import numpy as np

M = (1 << 64) - 1


def splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return x, z ^ (z >> 31)


def order(n, seed, e):
    """epoch e's order of n examples (docs/run.md)"""
    x = seed ^ (((e + 1) * 0xD1B54A32D192ED03) & M)
    o = list(range(n))
    for k in range(n - 1, 0, -1):
        x, r = splitmix(x)
        j = r % (k + 1)
        o[k], o[j] = o[j], o[k]
    return o


def load(d):
    """(times, units, offsets, labels) of the data set in directory d"""
    return (np.load(f"{d}/times.npy"), np.load(f"{d}/units.npy"), np.load(f"{d}/offsets.npy"),
            np.load(f"{d}/labels.npy"))
