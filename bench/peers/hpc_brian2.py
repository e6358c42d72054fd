#!/usr/bin/python3
"""Peer: NEST's hpc_benchmark (static synapses), the network of models/hpc_benchmark.lua,
in Brian2's C++ standalone mode (Debian's python3-brian).

iaf_psc_alpha neurons (exactly integrated by Brian2, method 'exact'), fixed in-degrees
9000 E and 2250 I (multapses, no autapses; drawn here with numpy), delay 1.5 ms, Poisson
drive of 20,856 Hz per neuron (PoissonInput).  Prints construction and simulation time
(simulation = Brian2's own timer of the network run; construction = the rest of the
binary's wall time), peak RSS of the binary and the mean rate.
Usage:  /usr/bin/python3 bench/peers/hpc_brian2.py [SCALE] [T_MS] [WARMUP_MS]
"""
import os
import resource
import sys
import time

import numpy as np
from brian2 import (Hz, NeuronGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, device,
                    ms, mV, pA, pF, run, set_device)

scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
T = float(sys.argv[2]) if len(sys.argv) > 2 else 1000.0
warm = float(sys.argv[3]) if len(sys.argv) > 3 else 100.0
directory = "/tmp/snncc_peer_hpc_brian2"
set_device("cpp_standalone", directory=directory, build_on_run=False)
defaultclock.dt = 0.1 * ms
NE, NI = int(round(9000 * scale)), int(round(2250 * scale))
N = NE + NI
CE, CI = 9000, 2250
tau_syn = 0.32582722403722841 * ms
C_m, tau_m, V_th, V_reset, t_ref = 250 * pF, 10 * ms, 20 * mV, 0 * mV, 0.5 * ms
JE, JI = 45.61 * pA, -5 * 45.61 * pA
nu_ext = 20856.0 * Hz
euler = np.exp(1.0)
eqs = """
dv/dt = -v/tau_m + I/C_m : volt (unless refractory)
dI/dt = -I/tau_syn + x : amp
dx/dt = -x/tau_syn : amp/second
"""
P = NeuronGroup(N, eqs, threshold="v >= V_th", reset="v = V_reset", refractory=t_ref,
                method="exact")
P.v = "5.7*mV + 7.2*mV*randn()"
rng = np.random.default_rng(1)


def fixed_indegree(n_src, k):
    post = np.repeat(np.arange(N, dtype=np.int32), k)
    pre = rng.integers(0, n_src - 1, size=N * k, dtype=np.int32)
    return pre, post


SE = Synapses(P[:NE], P, on_pre="x += JE * euler / tau_syn", delay=1.5 * ms)
pre, post = fixed_indegree(NE, CE)
pre += (pre >= post) & (post < NE)           # no autapses: skip the neuron itself
SE.connect(i=pre, j=post)
del pre, post
SI = Synapses(P[NE:], P, on_pre="x += JI * euler / tau_syn", delay=1.5 * ms)
pre, post = fixed_indegree(NI, CI)
pre += (pre >= post - NE) & (post >= NE)
SI.connect(i=pre, j=post)
del pre, post
PI = PoissonInput(P, "x", CE, nu_ext / CE, weight="JE * euler / tau_syn")  # binomial: p <= 1
M = SpikeMonitor(P)
run((warm + T) * ms)
device.build(directory=directory, compile=True, run=False)
t0 = time.monotonic()
device.run(directory=directory, with_output=False, run_args=[])
wall = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
with open(os.path.join(directory, "results", "last_run_info.txt")) as f:
    sim = float(f.read().split()[0])
t_spk = np.asarray(M.t / ms)
rate = np.count_nonzero(t_spk > warm) / N / (T / 1000.0)
print(f"brian2 hpc scale {scale:g} {T:.0f} ms (+{warm:.0f} warm-up): construction "
      f"{wall - sim:.3f} s, simulation {sim * T / (T + warm):.3f} s, peak RSS {rss / 1e9:.2f} GB, "
      f"rate {rate:.2f} Hz, synapses {N * (CE + CI)}")
