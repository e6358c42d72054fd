#!/usr/bin/env bash
# bench/peers/eprop_torch.py, the PyTorch peer of the e-prop classifier (bench/eprop_peer.sh,
# docs/performance.md "e-prop against PyTorch"), sees the data the simulator sees:
#   1. its IDX reader and latency encoding (read_idx, encode, to_dense) give, for the first
#      20 Fashion-MNIST training images, exactly the spikes (step, channel) and the example
#      length that a spike_source_dataset population emits with the bench's data-set keys
#      (encode: log_latency, tau 20, threshold 51, limit 20, length from the data);
#   2. where python3-torch is installed, the peer trains 20 examples and evaluates 20 and
#      prints its figures line (a SKIP line otherwise).
# Skipped with a message when Debian's dataset-fashion-mnist is not installed.
set -euo pipefail
FM=/usr/share/datasets/fashion-mnist
if [ ! -f $FM/train-images-idx3-ubyte.gz ]; then
    echo "SKIP: $FM missing (apt-get install dataset-fashion-mnist)"
    exit 0
fi
PEER="$PWD/bench/peers/eprop_torch.py"
cat >"$WORK/m.lua" <<'LUA'
network { name = "fm", dt = 1.0, precision = "float" }
population { "In", spike_source_dataset { classes = 10 }, 784 }
record { In = "spikes" }
LUA
"$SNNCC" -q "$WORK/m.lua" -o "$WORK/b"
cat >"$WORK/c.yaml" <<EOF
datasets: { In: { file: $FM/train-images-idx3-ubyte.gz, labels: $FM/train-labels-idx1-ubyte.gz,
                  encode: log_latency, tau: 20, threshold: 51, limit: 20 } }
EOF
# 20 examples of 79 steps (the length from the data; checked below)
"$WORK/b/fm" --config "$WORK/c.yaml" --time 1580 --quiet --output "$WORK/out"
$PY - "$PEER" "$WORK/out" "$FM" <<'PY'
import importlib.util, json, sys
import numpy as np
spec = importlib.util.spec_from_file_location("peer", sys.argv[1])
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)
out, fm = sys.argv[2], sys.argv[3]
steps = peer.encode(peer.read_idx(f"{fm}/train-images-idx3-ubyte.gz", 3, 20), 20.0, 51.0)
T = int(steps.max()) + 1
L = json.load(open(f"{out}/run.json"))["datasets"]["In"]["example_steps"]
assert T == L == 79, (T, L)
x = peer.to_dense(steps, T)
want = {(k * T + s, c) for k, s, c in zip(*np.nonzero(x))}
got = {(int(round(t)) - 1, int(i)) for t, i in np.load(f"{out}/spikes_In.npy").tolist()}
assert got == want, sorted(got ^ want)[:10]
labels = peer.read_idx(f"{fm}/train-labels-idx1-ubyte.gz", 1, 20)
assert list(labels[:5]) == [9, 0, 0, 3, 0], labels[:5]
print(f"peer data: {len(want)} spikes of 20 examples x {T} steps equal the simulator's")
PY
if ! $PY -c 'import torch' 2>/dev/null; then
    echo "SKIP: python3-torch is not installed: the peer's training run is not tried"
    exit 0
fi
$PY "$PEER" --n 20 --ntest 20 --threads 1 >"$WORK/peer.txt"
cat "$WORK/peer.txt"
grep -qE '^torch .* BPTT: 128 LIF hidden, recurrent, 20 training examples x 1 epochs, batch 1, 79 steps each, 1 threads$' "$WORK/peer.txt"
grep -qE '^torch training wall [0-9.]+ s: [0-9.]+ examples/s, .* test accuracy [0-9.]+ \(loss [0-9.]+\) on 20; peak RSS [0-9.]+ MB' "$WORK/peer.txt"
echo "peer: trains and evaluates"
