#!/usr/bin/python3
"""bench/peers/eprop_torch.py - the PyTorch peer of models/eprop_classifier.lua (issue 15
item 5): the same recurrent LIF network on the same latency-coded Fashion-MNIST examples,
trained with backpropagation through time (BPTT) and a surrogate gradient instead of
e-prop.  Run with Debian's python3-torch:

    /usr/bin/python3 bench/peers/eprop_torch.py --n 1000 --epochs 1 --threads 1

bench/eprop_fmnist.sh runs it beside snncc (PEER=1; docs/performance.md).

The network (eprop.md sections 1.1-1.6; templates/lua/stdlib.lua eprop_lif, eprop_readout):
  784 inputs -> HIDDEN LIF neurons (recurrent without autapses unless --no-recurrent)
  -> 10 leaky-integrator readout neurons with a trainable bias; dt = 1 ms.
  Hidden: V <- alpha V + W_in x^t + W_rec z^{t-1}; alpha = exp(-1/20); spike iff
  V >= v_th (0.61) and not refractory; on a spike V -= v_th and 5 ms refractory
  (integrating while refractory).  Readout: V_k <- kappa V_k + W_out z^t + b_k, kappa =
  exp(-1/20).  Weights Normal(0, 1/sqrt(N_pre)), bias 0; every example starts from zero
  state (the bench's `reset: example`).
  Loss: the cross-entropy of softmax(V_out) against the label summed over the example's
  steps (e-prop's loss); prediction: argmax of the softmax summed over the steps (the
  classifier's Out.pi_sum).  The loss is summed (not averaged) over the batch, as e-prop
  sums its gradients over the lanes.
  Surrogate gradient: e-prop's pseudo-derivative as the spike's derivative,
  dz/dV = gamma / v_th * max(0, 1 - |V - v_th| / v_th) with gamma = 0.3, and 0 while
  refractory (a triangular surrogate, eprop.md section 1.5).  The reset's V -= v_th z and
  the refractory state are not differentiated (detached), as e-prop ignores them too.
  Not modelled: e-prop's firing-rate regulariser (c_reg = 0.001; BPTT has no analogue in
  this form).
  Adam (lr 0.001, betas 0.9/0.999, eps 1e-8) after every batch.

Data: the IDX files of Debian's dataset-fashion-mnist, read with gzip + numpy; pixel x >
threshold (51) spikes once at t = tau ln(x / (x - threshold)) ms (tau 20), in step
round(t/dt) - 1 of its example (runtime/rt_idx.c, rt_dataset.c step_of; docs/datasets.md);
the example length is the latest spike's step + 1 over the training examples used, as the
simulator takes it from the data.  The first N training and NTEST test images, in file
order (the bench's sequential order).

Prints a line starting 'torch training' with examples/s, the training wall time per
example and the process's CPU time per example (all threads), the test accuracy and the
peak resident memory (ru_maxrss), and the test pass's wall and CPU time (batches of 256).  The input is held as 0/1 bytes [example, step,
channel] and made float a batch at a time.
"""
import argparse
import gzip
import math
import os
import resource
import sys
import time

import numpy as np


def read_idx(path, ndim, limit):
    """The first `limit` items (0: all) of an IDX file of unsigned bytes, gzip or plain."""
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        head = f.read(4 + 4 * ndim)
        magic = int.from_bytes(head[0:4], "big")
        want = 0x800 | ndim
        if len(head) < 4 + 4 * ndim or magic != want:
            sys.exit(f"{path}: magic 0x{magic:08x} at byte 0, expected 0x{want:08x}")
        dims = [int.from_bytes(head[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
        n = min(dims[0], limit) if limit else dims[0]
        per = int(np.prod(dims[1:])) if ndim > 1 else 1
        data = f.read(n * per)
    if len(data) < n * per:
        sys.exit(f"{path}: truncated: {n} items need {n * per} bytes after the header, "
                 f"the file has {len(data)}")
    arr = np.frombuffer(data, np.uint8).copy()
    return arr.reshape((n, per)) if ndim > 1 else arr


def encode(images, tau, threshold, dt=1.0):
    """Spike step per pixel (-1: silent), as rt_idx.c + rt_dataset.c's step_of."""
    x = images.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x > threshold, tau * np.log(x / (x - threshold)), -1.0)
    # llround(t / dt) - 1, at least 0 (C's llround rounds halves away from zero)
    s = np.floor(t / dt + 0.5) - 1.0
    s = np.where(s < 0, 0, s)
    return np.where(t >= 0, s, -1).astype(np.int64)


def to_dense(steps, T):
    """[n, 784] spike steps -> [n, T, 784] uint8 0/1 (a batch is made float when used)."""
    n, c = steps.shape
    out = np.zeros((n, T, c), np.uint8)
    k, ch = np.nonzero(steps >= 0)
    out[k, steps[k, ch], ch] = 1.0
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="training examples (first N)")
    ap.add_argument("--ntest", type=int, default=None, help="test examples (default N)")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--no-recurrent", action="store_true")
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--fm", default=os.environ.get("FM", "/usr/share/datasets/fashion-mnist"))
    a = ap.parse_args()
    ntest = a.n if a.ntest is None else a.ntest
    try:
        import torch
    except ImportError:
        print("bench/peers/eprop_torch.py: PyTorch is not installed (apt-get install "
              "python3-torch)", file=sys.stderr)
        sys.exit(3)
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(a.seed)

    t0 = time.perf_counter()
    fm = a.fm
    for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        if not os.path.exists(os.path.join(fm, f)):
            sys.exit(f"eprop_torch.py: {fm}/{f} is missing (apt-get install dataset-fashion-mnist)")
    xtr = encode(read_idx(f"{fm}/train-images-idx3-ubyte.gz", 3, a.n), 20.0, 51.0)
    ytr = read_idx(f"{fm}/train-labels-idx1-ubyte.gz", 1, a.n).astype(np.int64)
    xte = encode(read_idx(f"{fm}/t10k-images-idx3-ubyte.gz", 3, ntest), 20.0, 51.0)
    yte = read_idx(f"{fm}/t10k-labels-idx1-ubyte.gz", 1, ntest).astype(np.int64)
    T = int(xtr.max()) + 1
    xte = np.minimum(xte, T - 1)  # a later test spike would fall outside (rare; as clipped)
    Xtr, Xte = torch.from_numpy(to_dense(xtr, T)), torch.from_numpy(to_dense(xte, T))
    Ytr, Yte = torch.from_numpy(ytr), torch.from_numpy(yte)
    n_in, n_hid, n_out = Xtr.shape[2], a.hidden, 10
    recurrent = not a.no_recurrent
    t_data = time.perf_counter() - t0

    tau_m, v_th, tau_ref, gamma = 20.0, 0.61, 5.0, 0.3
    alpha = math.exp(-1.0 / tau_m)
    kappa = math.exp(-1.0 / 20.0)

    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, v, refrac):
            ctx.save_for_backward(v, refrac)
            return ((v >= v_th) & (refrac <= 0.5)).to(v.dtype)

        @staticmethod
        def backward(ctx, grad):
            v, refrac = ctx.saved_tensors
            psi = gamma / v_th * torch.clamp(1.0 - (v - v_th).abs() / v_th, min=0.0)
            psi = torch.where(refrac > 0.5, torch.zeros_like(psi), psi)
            return grad * psi, None

    W_in = torch.nn.Parameter(torch.randn(n_in, n_hid) / math.sqrt(n_in))
    params = [W_in]
    if recurrent:
        W_rec = torch.nn.Parameter(torch.randn(n_hid, n_hid) / math.sqrt(n_hid))
        mask = 1.0 - torch.eye(n_hid)  # no autapses
        params.append(W_rec)
    W_out = torch.nn.Parameter(torch.randn(n_hid, n_out) / math.sqrt(n_hid))
    b = torch.nn.Parameter(torch.zeros(n_out))
    params += [W_out, b]
    opt = torch.optim.Adam(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8)

    def run(x, y):
        """x [B, T, n_in]: summed loss, the summed softmax [B, n_out]."""
        B = x.shape[0]
        V = torch.zeros(B, n_hid)
        refrac = torch.zeros(B, n_hid)
        z = torch.zeros(B, n_hid)
        Vo = torch.zeros(B, n_out)
        loss = 0.0
        pi_sum = torch.zeros(B, n_out)
        I_in = x.float() @ W_in  # [B, T, n_hid]: the input currents of every step at once
        Wr = W_rec * mask if recurrent else None
        for t in range(T):
            I = I_in[:, t]
            if recurrent:
                I = I + z @ Wr
            V = alpha * V + I
            refrac = torch.clamp(refrac - 1.0, min=0.0)
            z = Spike.apply(V, refrac)
            zd = z.detach()
            V = V - v_th * zd
            refrac = torch.where(zd > 0, torch.full_like(refrac, tau_ref), refrac)
            Vo = kappa * Vo + z @ W_out + b
            logp = torch.log_softmax(Vo, dim=1)
            loss = loss - logp.gather(1, y[:, None]).sum()
            pi_sum = pi_sum + logp.detach().exp()
        return loss, pi_sum

    ntr = (Xtr.shape[0] // a.batch) * a.batch  # drop_last, as the training loop
    t1, c1 = time.perf_counter(), time.process_time()
    for ep in range(a.epochs):
        correct, total_loss = 0, 0.0
        for s in range(0, ntr, a.batch):
            x, y = Xtr[s:s + a.batch], Ytr[s:s + a.batch]
            opt.zero_grad(set_to_none=True)
            loss, pi_sum = run(x, y)
            loss.backward()
            opt.step()
            total_loss += float(loss)
            correct += int((pi_sum.argmax(1) == y).sum())
    t_train, c_train = time.perf_counter() - t1, time.process_time() - c1
    t2, c2 = time.perf_counter(), time.process_time()
    with torch.no_grad():
        tc, tl = 0, 0.0
        for s in range(0, Xte.shape[0], 256):
            loss, pi_sum = run(Xte[s:s + 256], Yte[s:s + 256])
            tl += float(loss)
            tc += int((pi_sum.argmax(1) == Yte[s:s + 256]).sum())
    t_test, c_test = time.perf_counter() - t2, time.process_time() - c2
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    nex = ntr * a.epochs
    print(f"torch {torch.__version__} BPTT: {n_hid} LIF hidden, "
          f"{'recurrent' if recurrent else 'feed-forward'}, {ntr} training examples x "
          f"{a.epochs} epochs, batch {a.batch}, {T} steps each, {a.threads} threads")
    print(f"torch training wall {t_train:.3f} s: {nex / t_train:.2f} examples/s, "
          f"{1000 * t_train / nex:.3f} ms per example (CPU {1000 * c_train / nex:.3f} ms); last epoch train loss "
          f"{total_loss / ntr:.2f} accuracy {correct / ntr:.4f}; test accuracy "
          f"{tc / Xte.shape[0]:.4f} (loss {tl / Xte.shape[0]:.2f}) on {Xte.shape[0]}; "
          f"peak RSS {rss / 1e6:.1f} MB; data {t_data:.2f} s; test wall {t_test:.2f} s CPU "
          f"{c_test:.2f} s")


if __name__ == "__main__":
    main()
