#!/usr/bin/python3
"""Reference statistics for models/brunel.lua from Brian2 (Debian's python3-brian).

The same network as models/brunel.lua: 10000 E + 2500 I LIF neurons with delta
synapses, fixed in-degree 1000 E and 250 I inputs (multapses and autapses allowed),
J = 0.1 mV, g = 5, eta = 2, delay 1.5 ms, t_ref 2 ms, exact integration, dt 0.1 ms,
external drive as independent Poisson input of rate eta * nu_th * CE per neuron.
Not part of `make test` (it takes a minute); tests/e2e/brunel_stats.sh quotes its output.

    /usr/bin/python3 tests/reference/brunel_brian2.py [SEED]
"""
import sys

import numpy as np
from brian2 import (NeuronGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, ms,
                    mV, run, seed, set_device)

s = int(sys.argv[1]) if len(sys.argv) > 1 else 1
set_device("cpp_standalone", directory=f"/tmp/brunel_brian2_{s}")
seed(s)
rng = np.random.default_rng(s)
defaultclock.dt = 0.1 * ms
NE, NI, CE, CI = 10000, 2500, 1000, 250
J, g, eta = 0.1 * mV, 5.0, 2.0
tau, theta, Vr, tref, D = 20 * ms, 20 * mV, 10 * mV, 2 * ms, 1.5 * ms
nu_ext = eta * theta / (J * CE * tau)

P = NeuronGroup(NE + NI, "dv/dt = -v/tau : volt (unless refractory)", threshold="v >= theta",
                reset="v = Vr", refractory=tref, method="exact")
P.v = "rand() * theta"
N = NE + NI
# input is lost during the refractory period, as in NEST's iaf_psc_delta and snncc
Ce = Synapses(P[:NE], P, on_pre="v += J * int(not_refractory_post)", delay=D)
Ce.connect(i=rng.integers(0, NE, N * CE), j=np.repeat(np.arange(N), CE))
Ci = Synapses(P[NE:], P, on_pre="v += -g * J * int(not_refractory_post)", delay=D)
Ci.connect(i=rng.integers(0, NI, N * CI), j=np.repeat(np.arange(N), CI))
PI = PoissonInput(P, "v", CE, nu_ext, weight="J * int(not_refractory)")
M = SpikeMonitor(P)
run(1200 * ms)

t, i = np.asarray(M.t / ms), np.asarray(M.i)


def stats(t, i, n, lo=200.0, hi=1200.0):
    m = (t > lo) & (t <= hi)
    t, i = t[m], i[m]
    rate = len(t) / n / ((hi - lo) / 1000.0)
    o = np.lexsort((t, i))
    t, i = t[o], i[o]
    same = i[1:] == i[:-1]
    isi, ids = np.diff(t)[same], i[1:][same]
    cvs = [x.std() / x.mean() for k in np.unique(ids) for x in [isi[ids == k]] if len(x) >= 5]
    c, _ = np.histogram(t, bins=np.arange(lo, hi + 1e-9, 5.0))
    return rate, float(np.mean(cvs)), c.var() / c.mean()


for name, sel, n, off in (("E", i < NE, NE, 0), ("I", i >= NE, NI, NE)):
    r, cv, f = stats(t[sel], i[sel] - off, n)
    print(f"{name}: rate {r:.2f} Hz, CV(ISI) {cv:.3f}, Fano (5 ms) {f:.1f}")
