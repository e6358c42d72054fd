#!/usr/bin/python3
"""Make the data of connectome.lua: a made-up "connectome" of 3000 neurons on a ring
(every fifth one inhibitory), its edge list with weights and delays, initial membrane potentials,
and a readout matrix onto 50 neurons.  Usage: connectome_data.py [DIR] (default: the
directory of this script).  Deterministic (seeded), so tests can check the network.

Files (NumPy .npy, read by the simulator when it builds the network):
  connectome_pre.npy, connectome_post.npy   int32 source and target of each synapse
  connectome_w.npy                          float64 weight (pA; negative: inhibitory)
  connectome_delay.npy                      float64 delay (ms), grows with ring distance
  connectome_v0.npy                         float64 initial V (mV) of each neuron
  connectome_readout.npy                    float32 matrix (3000, 50): 0 = no synapse
"""
import os
import sys

import numpy as np

N, R = 3000, 50               # every fifth neuron (i % 5 == 4) is inhibitory
K = 100                      # synapses per target, on average
out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261206)

# each target draws its sources with a probability falling off with ring distance
post = np.repeat(np.arange(N), rng.poisson(K, N))
offset = np.rint(rng.normal(0.0, 150.0, post.size)).astype(np.int64)
pre = (post + offset) % N
keep = pre != post                                   # no autapses
pre, post = pre[keep].astype(np.int32), post[keep].astype(np.int32)
dist = np.abs(offset[keep])
w = np.where(pre % 5 != 4, 40.0, -200.0) * rng.lognormal(0.0, 0.5, pre.size)
delay = 1.0 + 0.02 * dist                            # ms: 1 ms plus conduction time
v0 = rng.uniform(-10.0, 15.0, N)                     # lif's V is relative to rest (mV)
readout = np.where(rng.random((N, R)) < 0.02, rng.uniform(100.0, 300.0, (N, R)), 0.0)

np.save(os.path.join(out, "connectome_pre.npy"), pre)
np.save(os.path.join(out, "connectome_post.npy"), post)
np.save(os.path.join(out, "connectome_w.npy"), w)
np.save(os.path.join(out, "connectome_delay.npy"), delay)
np.save(os.path.join(out, "connectome_v0.npy"), v0)
np.save(os.path.join(out, "connectome_readout.npy"), readout.astype(np.float32))
print(f"{out}: {pre.size} synapses among {N} neurons, readout {int((readout != 0).sum())} "
      f"synapses onto {R}")
