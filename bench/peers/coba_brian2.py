#!/usr/bin/python3
"""Peer: the COBA benchmark (models/coba.lua) in Brian2's C++ standalone mode.

The classic Brian COBA script (Brette et al. 2007, benchmark 1) as specified in
../shared/reference/coba.md: 4000 neurons, Euler, p = 0.02, no input.  Prints the
construction and simulation times (simulation from Brian2's own timer; construction is
the rest of the binary's wall time) and the E/I rates and mean CV of inter-spike
intervals over the run after 100 ms.
Usage:  /usr/bin/python3 bench/peers/coba_brian2.py [T_MS] [SEED]
"""
import os
import resource
import sys
import time

import numpy as np
from brian2 import (NeuronGroup, SpikeMonitor, Synapses, defaultclock, device, mV, ms, seed,
                    set_device)
from brian2 import run as brian_run

T = float(sys.argv[1]) if len(sys.argv) > 1 else 1000.0
s = int(sys.argv[2]) if len(sys.argv) > 2 else 1
directory = f"/tmp/snncc_peer_coba_brian2_{s}"
set_device("cpp_standalone", directory=directory, build_on_run=False)
seed(s)
defaultclock.dt = 0.1 * ms
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El, Ee, Ei = -50 * mV, -60 * mV, -60 * mV, 0 * mV, -80 * mV
we, wi = 0.6, 6.7
eqs = """
dv/dt  = (ge*(Ee-v)+gi*(Ei-v)-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : 1
dgi/dt = -gi/taui : 1
"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="euler")
P.v = "-65*mV + 5*mV*randn()"
P.ge = "4 + 1.5*randn()"
P.gi = "20 + 12*randn()"
Ce = Synapses(P[:3200], P, on_pre="ge += we")
Ci = Synapses(P[3200:], P, on_pre="gi += wi")
Ce.connect(p=0.02)
Ci.connect(p=0.02)
M = SpikeMonitor(P)
brian_run(T * ms)
device.build(directory=directory, compile=True, run=False)
t0 = time.monotonic()
device.run(directory=directory, with_output=False, run_args=[])
wall = time.monotonic() - t0
with open(os.path.join(directory, "results", "last_run_info.txt")) as f:
    sim = float(f.read().split()[0])
t, i = np.asarray(M.t / ms), np.asarray(M.i)


def stats(t, i, n, lo=100.0):
    m = t > lo
    t, i = t[m], i[m]
    rate = len(t) / n / ((T - lo) / 1000.0)
    o = np.lexsort((t, i))
    t, i = t[o], i[o]
    same = i[1:] == i[:-1]
    isi, ids = np.diff(t)[same], i[1:][same]
    cvs = [x.std() / x.mean() for k in np.unique(ids) for x in [isi[ids == k]] if len(x) >= 5]
    return rate, float(np.mean(cvs)) if cvs else float("nan")


re_, cve = stats(t[i < 3200], i[i < 3200], 3200)
ri, cvi = stats(t[i >= 3200], i[i >= 3200], 800)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(f"brian2 {T:.0f} ms: construction {wall - sim:.3f} s, simulation {sim:.3f} s, "
      f"peak RSS {rss / 1e9:.3f} GB")
print(f"brian2 rates: E {re_:.2f} Hz CV {cve:.3f}, I {ri:.2f} Hz CV {cvi:.3f}")
