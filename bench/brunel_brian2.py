#!/usr/bin/python3
"""Peer timing: the network of models/brunel.lua in Brian2's C++ standalone mode.

Uses Debian's python3-brian.  Connectivity is Bernoulli with p = CE/NE (Brian2 has no
fixed in-degree rule); the synapse count and the activity (about 37 Hz) are the same.
Brian2's own timer (device._last_run_time) covers the whole binary: connectivity,
initial values and the step loop; construction is isolated by a second build that runs
0 ms.  Usage:  /usr/bin/python3 bench/brunel_brian2.py [T_MS]
"""
import sys

from brian2 import (NeuronGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, device,
                    ms, mV, run, set_device)

T = float(sys.argv[1]) if len(sys.argv) > 1 else 1000.0
times, spikes = {}, 0
for label, duration in (("construction", 0.0), ("total", T)):
    directory = f"/tmp/snncc_bench_brian2_{label}"
    set_device("cpp_standalone", directory=directory, build_on_run=False)
    device.reinit()
    device.activate(directory=directory, build_on_run=False)
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
    run(duration * ms)
    device.build(directory=directory, compile=True, run=True)
    times[label] = device._last_run_time
    spikes = len(M.t)
print(f"brian2 {T:.0f} ms: construction {times['construction']:.3f} s, "
      f"simulation {times['total'] - times['construction']:.3f} s, spikes {spikes}")
