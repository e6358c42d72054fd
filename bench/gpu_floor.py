#!/usr/bin/python3
"""bench/gpu_floor.py - the floor of a GPU step, from a C back end run of the same model.

Usage: /usr/bin/python3 bench/gpu_floor.py RUN_JSON [--dt MS] [--bw BYTES_PER_S]
       [--launch-us US] [--launches N] [--atomic-rate PER_S] [--neuron-bytes B]
       [--measured-rtf X]

The CUDA back end's step (docs/cuda.md, "A step") reads, per synaptic event (a spike
reaching one synapse), the synapse's target index, weight and delay (the run's bytes per
synapse: synapse_bytes / synapses, row starts included) and adds into the target's
accumulator or ring with one atomicAdd; per neuron it reads and writes the state and the
inputs (--neuron-bytes, default 48: four 4-byte variables read and written, two inputs
read and cleared); and it launches --launches kernels (3 for static networks).  The
spike counts of a C run (same network: the GPU builds the same connectivity) give the
events per step.  Floor per step = max(bytes / bw, events / atomic rate) + launches x
launch time; its real-time factor = floor / dt.  Defaults: H100 SXM HBM3 3.35e12 B/s,
2.5 us per dependent kernel launch in one stream (launch latency plus the ramp of a
small grid; about 1.2 us per node in a CUDA graph), 2e11 scattered float atomics per
second into L2 (an assumption, not a measurement: L2 holds the accumulators of every
shipped model).  Prints the per-step budget and, with --measured-rtf, how far a
measured real-time factor is above the floor.
"""
import argparse
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_json")
    ap.add_argument("--bw", type=float, default=3.35e12)
    ap.add_argument("--launch-us", type=float, default=2.5)
    ap.add_argument("--launches", type=int, default=3)
    ap.add_argument("--atomic-rate", type=float, default=2e11)
    ap.add_argument("--neuron-bytes", type=float, default=48.0)
    ap.add_argument("--measured-rtf", type=float)
    a = ap.parse_args()
    j = json.load(open(a.run_json))
    steps = j["run"]["steps_done"]
    dt_ms = j["run"]["duration_ms"] / j["run"]["steps"]
    pops = {p["name"]: p for p in j["populations"]}
    spikes_step = sum(p["spikes"] for p in pops.values()) / steps
    events = 0.0
    syn_bytes = 0.0
    for pr in j["projections"]:
        pre = pops[pr["pre"]]
        if not pr["synapses"]:
            continue
        row = pr["synapses"] / pre["size"]
        ev = pre["spikes"] / steps * row
        events += ev
        syn_bytes += ev * pr["bytes"] / pr["synapses"]
    neurons = j["sizes"]["neurons"]
    neuron_bytes = neurons * a.neuron_bytes
    total = syn_bytes + neuron_bytes
    t_mem = total / a.bw
    t_atomic = events / a.atomic_rate
    t_launch = a.launches * a.launch_us * 1e-6
    t_floor = max(t_mem, t_atomic) + t_launch
    dt = dt_ms * 1e-3
    print(f"model {j['model']['name']}: {neurons} neurons, {j['sizes']['synapses']:.4g} synapses, "
          f"dt {dt_ms:g} ms, from {steps} steps of a C run")
    print(f"per step: {spikes_step:.1f} spikes, {events:.4g} synaptic events "
          f"({syn_bytes / max(events, 1):.2f} B each)")
    print(f"bytes per step: synapses {syn_bytes / 1e6:.3f} MB + neurons {neuron_bytes / 1e6:.3f} MB "
          f"= {total / 1e6:.3f} MB -> {t_mem * 1e6:.2f} us at {a.bw / 1e12:.2f} TB/s")
    print(f"atomics per step: {events:.4g} -> {t_atomic * 1e6:.2f} us at {a.atomic_rate:.3g}/s")
    print(f"launches: {a.launches} x {a.launch_us:g} us = {t_launch * 1e6:.2f} us")
    print(f"floor per step {t_floor * 1e6:.2f} us: real-time factor {t_floor / dt:.3f} "
          f"(memory and atomics alone {max(t_mem, t_atomic) / dt:.3f}, launches alone {t_launch / dt:.3f})")
    if a.measured_rtf:
        print(f"measured real-time factor {a.measured_rtf:g}: {a.measured_rtf / (t_floor / dt):.2f} x the floor")


if __name__ == "__main__":
    main()
