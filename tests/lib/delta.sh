# tests/lib/delta.sh - sourced by the training-loop tests (train.sh, train_batch.sh,
# checkpoint_train.sh, checkpoint_lanes_mpi.sh, batch_mpi.sh): the delta-rule readout of a
# 3-class spike-pattern data set, its data set and its run configs.  Each function writes
# into the current directory or to stdout; $PY is tests/run.sh's.

# delta_model: the one-lane model (group Learn: the weight step; counters of the groups'
# runs CEp, CBt, CTk, CAl, CNo), to stdout
delta_model() {
    cat <<'LUA'
network { name = "delta", dt = 1.0, seed = 1, precision = "double" }
local In = population { "In", spike_source_dataset { classes = 3 }, 5 }
local acc = neuron { name = "acc", vars = { y = 0.0, tgt = 0.0, l = 0.0 },
  sim = "y += Isyn; tgt = label == id ? 1.0 : 0.0; l = (tgt - y) * (tgt - y);" }
local Out = population { "Out", acc, 3 }
-- c counts the example's input spikes per synapse, g = c * (target - y) after each step
local dsyn = synapse { name = "dsyn", vars = { w = 0.0, c = 0.0, g = 0.0 },
  on_pre = "c += 1.0;", dynamics = "g = c * (tgt_post - y_post);" }
projection { In, Out, name = "InOut", conn = all_to_all(), synapse = dsyn, psm = delta(),
             delay = 1.0 }
custom_update { name = "Delta", group = "Learn", params = { eta = 0.05 }, runtime = { "eta" },
  var_refs = { w = ref_rw("InOut", "w"), g = ref("InOut", "g") },
  code = "w += eta * g;" }
-- counters of the groups' runs (per neuron of Out: the shape comes from the reference)
local function counter(name, group, every)
  custom_update { name = name, group = group, vars = { n = 0.0 },
                  var_refs = { y = ref("Out", "y") }, code = "n += 1.0;", every = every }
end
counter("CEp", "Ep"); counter("CBt", "Bt"); counter("CTk", "Tk"); counter("CAl", "Al", 1)
counter("CNo", "No", 1)
LUA
}

# delta_batch_model: the batched model (-D batch=B; the weight shared by the lanes, the
# gradient a batch_sum reduction), to stdout
delta_batch_model() {
    cat <<'LUA'
local B = param("batch", 0)
network { name = "delta", dt = 1.0, seed = 1, precision = "double", batch = B > 0 and B or nil }
local In = population { "In", spike_source_dataset { classes = 3 }, 5 }
local acc = neuron { name = "acc", vars = { y = 0.0, tgt = 0.0, l = 0.0 },
  sim = "y += Isyn; tgt = label == id ? 1.0 : 0.0; l = (tgt - y) * (tgt - y);" }
local Out = population { "Out", acc, 3 }
-- per lane: c counts the example's input spikes per synapse, g = c * (target - y)
local dsyn = synapse { name = "dsyn", vars = { w = 0.0, c = 0.0, g = 0.0 }, shared = { "w" },
  on_pre = "c += 1.0;", dynamics = "g = c * (tgt_post - y_post);" }
projection { In, Out, name = "InOut", conn = all_to_all(), synapse = dsyn, psm = delta(),
             delay = 1.0 }
custom_update { name = "Grad", group = "Learn", vars = { s = { reduce = "batch_sum" } },
  var_refs = { g = ref("InOut", "g") }, code = "s = g;" }
custom_update { name = "Delta", group = "Learn", params = { eta = 0.05 }, runtime = { "eta" },
  var_refs = { s = ref("Grad", "s"), w = ref_rw("InOut", "w") }, code = "w += eta * s;" }
LUA
}

# delta_data NTRAIN NTEST: the data sets trainset/ and testset/ (NumPy layout, 5 inputs,
# 3 classes, 12 steps an example), NTRAIN and NTEST examples, from a fixed NumPy seed
delta_data() {
    $PY - "$1" "$2" <<'PY'
import numpy as np, os, sys
rng = np.random.default_rng(3)
def write(d, n, C=5, K=3, L=12):
    times, units, offs, labels = [], [], [0], []
    for k in range(n):
        lab = int(rng.integers(0, K))
        m = int(rng.integers(3, 9))
        u = np.where(rng.random(m) < 0.7, (lab + rng.integers(0, 2, m)) % C, rng.integers(0, C, m))
        t = np.sort(rng.integers(1, L - 2, m).astype(np.float64))   # steps 0 .. L - 4
        times += list(t); units += list(u); offs.append(offs[-1] + m); labels.append(lab)
    os.makedirs(d, exist_ok=True)
    np.save(f"{d}/times.npy", np.array(times))
    np.save(f"{d}/units.npy", np.array(units, dtype=np.int32))
    np.save(f"{d}/offsets.npy", np.array(offs, dtype=np.int64))
    np.save(f"{d}/labels.npy", np.array(labels, dtype=np.int32))
write("trainset", int(sys.argv[1])); write("testset", int(sys.argv[2]))
PY
}

# delta_config: delta_model's training config (3 epochs, evaluation every 2, groups at
# example_end, batch_end, epoch_end, every_steps, a schedule), to stdout
delta_config() {
    cat <<'YAML'
train:
  epochs: 3
  train: { In: trainset }
  test: { In: testset }
  seed: 11
  evaluate_every: 2
  groups:
    example_end: [Learn]
    batch_end: [Bt]
    epoch_end: [Ep]
    every_steps: { Tk: 12, No: 1000 }
  schedule: { Delta.eta: [0.05, 0.025] }
  metrics: { output: Out.y, loss: Out.l }
  save: { dir: w, vars: [InOut.w, Out.y, CEp.n, CBt.n, CTk.n, CAl.n, CNo.n] }
datasets: { In: { example_steps: 12 } }
YAML
}

# delta_batch_config: delta_batch_model's training config (group Learn at batch_end), to
# stdout
delta_batch_config() {
    cat <<'YAML'
train:
  epochs: 3
  train: { In: trainset }
  test: { In: testset }
  seed: 11
  evaluate_every: 2
  groups: { batch_end: [Learn] }
  schedule: { Delta.eta: [0.05, 0.025] }
  metrics: { output: Out.y, loss: Out.l }
  save: { dir: w, vars: [InOut.w] }
datasets: { In: { example_steps: 12 } }
YAML
}
