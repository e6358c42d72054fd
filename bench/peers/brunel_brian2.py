#!/usr/bin/python3
"""Peer timing: the network of models/brunel.lua in Brian2's C++ standalone mode.

Uses Debian's python3-brian.  Connectivity is Bernoulli with p = CE/NE (Brian2 has no
fixed in-degree rule); the synapse count and the activity (about 37 Hz) are the same.
Brian2's own timer (results/last_run_info.txt) covers the step loop; the binary's wall
time minus that is construction (connectivity, initial values) plus writing results.
Usage:  /usr/bin/python3 bench/peers/brunel_brian2.py [T_MS]
"""
import os
import sys
import time

from brian2 import (NeuronGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, device,
                    ms, mV, run, set_device)

T = float(sys.argv[1]) if len(sys.argv) > 1 else 1000.0
directory = "/tmp/snncc_bench_brian2"
set_device("cpp_standalone", directory=directory, build_on_run=False)
defaultclock.dt = 0.1 * ms
NE, NI, CE, CI = 10000, 2500, 1000, 250
J, g, eta = 0.1 * mV, 5.0, 2.0
tau, theta, Vr, tref, D = 20 * ms, 20 * mV, 10 * mV, 2 * ms, 1.5 * ms
nu_ext = eta * theta / (J * CE * tau)
P = NeuronGroup(NE + NI, "dv/dt = -v/tau : volt (unless refractory)",
                threshold="v >= theta", reset="v = Vr", refractory=tref, method="exact")
P.v = "rand() * theta"
Ce = Synapses(P[:NE], P, on_pre="v += J * int(not_refractory_post)", delay=D)
Ce.connect(p=CE / NE)
Ci = Synapses(P[NE:], P, on_pre="v += -g * J * int(not_refractory_post)", delay=D)
Ci.connect(p=CI / NI)
PI = PoissonInput(P, "v", CE, nu_ext, weight="J * int(not_refractory)")
M = SpikeMonitor(P)
run(T * ms)
device.build(directory=directory, compile=True, run=False)
t0 = time.monotonic()
device.run(directory=directory, with_output=False, run_args=[])
wall = time.monotonic() - t0
with open(os.path.join(directory, "results", "last_run_info.txt")) as f:
    sim = float(f.read().split()[0])
print(f"brian2 {T:.0f} ms: construction {wall - sim:.3f} s, simulation {sim:.3f} s")
