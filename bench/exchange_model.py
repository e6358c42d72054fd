#!/usr/bin/python3
"""Bytes each rank sends per spike-exchange interval: a model, checked against measured
runs, and projected to 1,000 and 10,000 ranks (bench/scaling.sh; docs/performance.md).

Message layout (runtime/rt_par.c): per interval of D steps a rank sends each destination
one message holding one 4-byte word per spike it gets (neuron and step packed together;
no counts, no header), possibly empty.

With R ranks, population i of N_i neurons firing at nu_i Hz, an interval of tau = D dt ms:
  spikes of a rank per interval  S_i = nu_i N_i tau / 1000 / R
  collective (every rank gets every spike):
      B_coll = 4 (R - 1) sum_i S_i
  point-to-point (a spike goes only to the ranks that hold one of its targets): every
  population is split over all ranks in blocks, so each of a source's synapses lands on a
  given other rank with probability 1/R; with k_i the mean number of synapses a neuron of
  population i makes (Poisson-distributed), the expected number of other ranks a spike
  goes to is (R - 1)(1 - exp(-k_i / R)):
      B_p2p = 4 sum_i S_i (R - 1)(1 - exp(-k_i / R))
  Both send R - 1 messages per interval (an MPI envelope each, not counted above): the
  collective through MPI_Allgatherv, p2p to the n_dst ranks that need any of this rank's
  neurons (R - 1 for these networks).
"""
import glob
import json
import math
import os
import statistics
import sys


def model_bytes(R, D, pops, mode):
    """pops: list of (N, rate_hz, k_out, dt_ms)."""
    total = 0.0
    for N, nu, k, dt in pops:
        S = nu * N * D * dt / 1000.0 / R
        if mode == "collective":
            total += S * (R - 1)
        else:
            total += S * (R - 1) * (1.0 - math.exp(-k / R))
    return 4.0 * total


def pops_from_run(j):
    """(N, measured rate, mean out-degree) per population that has outgoing synapses."""
    dt = j["model"]["dt_ms"]
    out = {p["name"]: 0 for p in j["populations"]}
    for q in j["projections"]:
        out[q["pre"]] += q["synapses"]
    pops = []
    for p in j["populations"]:
        if out[p["name"]] == 0:
            continue
        pops.append((p["size"], p["rate_hz"], out[p["name"]] / p["size"], dt))
    return pops


def check_measured(outdir):
    print(f"{'run':<28} {'ranks':>5} {'interval':>8} {'measured B':>11} {'model B':>10} {'ratio':>6}")
    worst = 1.0
    for f in sorted(glob.glob(os.path.join(outdir, "*x_*_*/run.json"))):
        j = json.load(open(f))
        R = j["parallel"]["ranks"]
        D = j["parallel"]["comm_interval_steps"]
        mode = j["parallel"]["exchange"]
        intervals = j["exchange"]["intervals"]
        measured = j["exchange"]["bytes_sent"]["median"] / intervals
        pred = model_bytes(R, D, pops_from_run(j), mode)
        worst = max(worst, measured / pred, pred / measured)
        print(f"{os.path.basename(os.path.dirname(f)):<28} {R:>5} {D:>8} {measured:>11.0f} "
              f"{pred:>10.0f} {measured / pred:>6.2f}")
    return worst


def microcircuit_full():
    # ../shared/reference/microcircuit.md: sizes, connection probabilities (K_ij total
    # synapses = ln(1 - p) / ln(1 - 1 / (N_i N_j))), reference rates
    N = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
    P = [[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
         [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
         [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
         [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
         [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
         [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
         [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
         [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443]]
    rates = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]
    pops = []
    for i in range(8):  # source population i: synapses it makes onto every target j
        syn = 0.0
        for j in range(8):
            p = P[j][i]
            if p > 0:
                syn += math.log(1 - p) / math.log(1 - 1.0 / (N[i] * N[j]))
        pops.append((N[i], rates[i], syn / N[i], 0.1))
    return pops, 1  # per-synapse delays: exchange every step


def hpc_scale(scale, rate=9.9):
    NE, NI = round(9000 * scale), round(2250 * scale)
    N = NE + NI
    # fixed in-degrees 9000 (E) and 2250 (I) onto every neuron: mean out-degree N * 9000 / NE
    return [(NE, rate, N * 9000 / NE, 0.1), (NI, rate, N * 2250 / NI, 0.1)], 15  # 1.5 ms


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "build/bench-scaling"
    worst = check_measured(outdir)
    print(f"model vs measured: within a factor {worst:.2f} (rates and synapse counts from "
          f"each run.json)")
    print()
    print("projection, per rank: bytes sent per interval, per second of biological time, "
          "and messages per second")
    print(f"{'network':<26} {'ranks':>6} {'interval':>9} {'collective':>21} {'p2p':>21} "
          f"{'p2p/coll':>8} {'messages/s':>11}")
    for name, (pops, D) in (("microcircuit, full scale", microcircuit_full()),
                            ("hpc_benchmark, scale 100", hpc_scale(100))):
        per_s = 1000.0 / (D * 0.1)
        for R in (1000, 10000):
            c = model_bytes(R, D, pops, "collective")
            p = model_bytes(R, D, pops, "p2p")
            print(f"{name:<26} {R:>6} {D * 0.1:>6.1f} ms {c:>9.0f} B {c * per_s / 1e6:>6.2f} MB/s "
                  f"{p:>9.0f} B {p * per_s / 1e6:>6.2f} MB/s {p / c:>8.2f} "
                  f"{(R - 1) * per_s:>11.3g}")

if __name__ == "__main__":
    main()
