-- An e-prop classifier (Bellec et al. 2020, as the sparse classifiers of Knight, Senk &
-- Nowotny 2025 use it: ../shared/reference/eprop.md section 1.1): a spike-pattern data set
-- -> one hidden layer of e-prop LIF or ALIF neurons (recurrent or not) -> a leaky-integrator
-- readout with a trainable bias; softmax and cross-entropy every step, Adam on every
-- weight and the bias.  Built only from the standard library's e-prop entries
-- (docs/language.md "e-prop").
--
--   snncc models/eprop_classifier.lua -D inputs=700 -D classes=20 -D hidden=256 -D alif=1 \
--         -o build/eprop && build/eprop/eprop_classifier --set datasets.In.file=shd_train.h5
--
-- -D parameters (defaults):
--   inputs (700), classes (20)   the data set's channels and classes (checked by the run)
--   hidden (256)                 hidden neurons
--   alif (1)                     1: ALIF hidden neurons (SHD, DVS gesture), 0: LIF (N-MNIST)
--   recurrent (1)                1: hidden -> hidden connections (no autapses)
--   p_in (1), p_rec (1)          connection probabilities: 1 is dense (all_to_all stored
--                                 as a matrix), below 1 fixed_probability stored sparse; the
--                                 weights are Normal(0, 1/sqrt(N_pre)) whatever p (KSN25)
--   learn_every (1000)           steps between Adam steps (one example or batch of examples)
--                                 without a training loop; with one, group Learn runs at
--                                 batch_end (models/eprop_fmnist.yaml)
--   lr (0.001)                   Adam's learning rate (runtime: --set params.IH_adam.lr=...)
--   batch (0)                    B > 0: a batched model of B lanes (network{ batch = B }),
--                                 each lane an example; Adam reads the gradients summed
--                                 over the lanes (group GradSum, then Learn: train.groups.
--                                 batch_end: [GradSum, Learn]; docs/run.md)
--   record_every (0)             record the readout's summed softmax pi_sum and cross-entropy
--                                 ce every N steps (Out_pi_sum.npy, Out_ce.npy: the per-example
--                                 prediction and loss are differences at example boundaries)
-- The training loop (docs/run.md "Training the e-prop classifier"): models/eprop_fmnist.yaml,
-- models/eprop_synthshd.yaml (accuracy from Out.pi_sum, loss from Out.ce, keep: [Out.b]).
--   record_w (0)                 record the weights of the rewired projections every N steps
--                                 (IH_w.npy, HH_w.npy; tests/e2e/deep_r.sh)
--   record_state (0)             1: with record_w, also their g, ebar, DEEP R's sign, Adam's
--                                 m, v (and G, batched) (tests/e2e/deep_r_inv.sh)
--   deepr (0)                    1: DEEP R (deep_r{} of the standard library, docs/language.md
--                                 "DEEP R") on the sparse input and recurrent projections
--                                 (p_in, p_rec below 1), run with Adam; with batch > 0 the
--                                 sign and L1 run in GradSum, before the sum over the lanes
--   l1 (0.01)                    DEEP R's L1 strength (added to each gradient before Adam)
--   pad (1.0)                    DEEP R's row padding: rows hold up to floor(longest built
--                                 row x (1 + pad)) synapses (KSN25: 1.0 to 5.0)
--   record_l (0)                 record the hidden neurons' learning signal H.L and the
--                                 readout's error Out.E every N steps (H_L.npy, Out_E.npy;
--                                 tests/e2e/eprop_classifier.sh)
--   rec_autapses (0)             1: with p_rec = 1, HH keeps its autapses and is stored as a
--                                 matrix (format "dense": the vectorised dynamics loop) instead
--                                 of sparse rows without the diagonal; a network with H more
--                                 synapses, for the cost of dense storage
--                                 (bench/eprop_sparse_speed.sh row dense_mat)
--   random_feedback (0)          1: random-feedback e-prop (eprop.md section 1.7): the
--                                 learning signal through a fixed random matrix (projection
--                                 HF, H -> Out, eprop_feedback_syn, HF.fb Normal(0,
--                                 1/sqrt(hidden)) from its own draw, never trained) instead
--                                 of HO's current weights (0: symmetric, mlGeNN/KSN25)
local batch = param("batch", 0)
network { name = "eprop_classifier", dt = 1.0, seed = 1234, precision = "float",
          batch = batch > 0 and batch or nil }

local n_in      = param("inputs", 700)
local n_classes = param("classes", 20)
local n_hid     = param("hidden", 256)
local use_alif  = param("alif", 1) ~= 0
local recurrent = param("recurrent", 1) ~= 0
local p_in      = param("p_in", 1.0)
local p_rec     = param("p_rec", 1.0)
local every     = param("learn_every", 1000)
local lr        = param("lr", 0.001)
local rec_every = param("record_every", 0)
local rec_w     = param("record_w", 0)
local deepr     = param("deepr", 0) ~= 0
local l1        = param("l1", 0.01)
local pad       = param("pad", 1.0)
local random_fb = param("random_feedback", 0) ~= 0
local rec_l     = param("record_l", 0)
local rec_self  = param("rec_autapses", 0) ~= 0
if deepr then
  if p_in >= 1 and (not recurrent or p_rec >= 1) then
    error("deepr = 1 needs a sparse projection to rewire: p_in or p_rec below 1")
  end
  if not (l1 >= 0 and l1 < math.huge) or not (pad >= 0 and pad < math.huge) then
    error(string.format("l1 = %g and pad = %g must be finite and >= 0", l1, pad))
  end
end
if not (p_in > 0 and p_in <= 1 and p_rec > 0 and p_rec <= 1) then
  error(string.format("p_in = %g, p_rec = %g: connection probabilities are in (0, 1]", p_in, p_rec))
end
if not (lr > 0 and lr < math.huge) or not (every >= 1) then
  error(string.format("lr = %g must be > 0 and finite, learn_every = %g at least 1", lr, every))
end

local In  = population { "In", spike_source_dataset { classes = n_classes }, n_in }
local H   = population { "H", use_alif and eprop_alif or eprop_lif, n_hid }
local Out = population { "Out", eprop_readout, n_classes }
local hsyn = use_alif and eprop_alif_syn or eprop_lif_syn

local function conn(p, self)
  if p >= 1 then
    if self and rec_self then return all_to_all(), "dense" end
    return all_to_all { autapses = not self }, self and "sparse" or "dense"
  end
  return fixed_probability(p, { autapses = not self }), "sparse"
end
local rewired = {}   -- DEEP R: the sparse projections (p below 1), with padded rows
local function padding(name, p)
  if deepr and p < 1 then
    rewired[#rewired + 1] = name
    return pad
  end
end

local learned = { "IH", "HO" }
local c, f = conn(p_in, false)
projection { In, H, name = "IH", conn = c, format = f, synapse = hsyn,
             weight = normal(0.0, 1.0 / math.sqrt(n_in)), row_padding = padding("IH", p_in) }
if recurrent then
  c, f = conn(p_rec, true)
  projection { H, H, name = "HH", conn = c, format = f, synapse = hsyn,
               weight = normal(0.0, 1.0 / math.sqrt(n_hid)), row_padding = padding("HH", p_rec) }
  learned[#learned + 1] = "HH"
end
if random_fb then
  projection { H, Out, name = "HO", conn = all_to_all(), format = "dense",
               synapse = eprop_out_grad_syn, weight = normal(0.0, 1.0 / math.sqrt(n_hid)) }
  projection { H, Out, name = "HF", conn = all_to_all(), format = "dense",
               synapse = eprop_feedback_syn, weight = 0.0, pre_input = "feedback",
               init = { fb = normal(0.0, 1.0 / math.sqrt(n_hid)) } }
else
  projection { H, Out, name = "HO", conn = all_to_all(), format = "dense", synapse = eprop_out_syn,
               weight = normal(0.0, 1.0 / math.sqrt(n_hid)), pre_input = "feedback" }
end

eprop_softmax { Out }
local sum = batch > 0 or nil   -- batches: the gradients summed over the lanes first
-- DEEP R before Adam; in a batched model its sign and L1 run in GradSum, made here first so
-- that a step where both are due (every) runs GradSum before Learn, as the training loop's
-- batch_end: [GradSum, Learn] does
local function deep_r_all()
  for _, p in ipairs(rewired) do deep_r { p, l1 = l1, every = every, batch = sum } end
end
if sum then deep_r_all() end
eprop_adam_step { Out, every = every }
if not sum then deep_r_all() end
for _, p in ipairs(learned) do eprop_adam { p, lr = lr, batch = sum, every = sum and every } end
eprop_adam { Out, var = "b", grad = "gb", lr = lr, batch = sum, every = sum and every }
if rec_every > 0 then
  record { Out = { "pi_sum", "ce", every = rec_every } }
end
if rec_w > 0 then
  for _, p in ipairs(rewired) do record { [p] = { "w", every = rec_w } } end
end
if rec_w > 0 and param("record_state", 0) ~= 0 then   -- tests/e2e/deep_r_inv.sh
  for _, p in ipairs(rewired) do
    record { [p] = { "g", "ebar", every = rec_w } }
    record { [p .. "_deep_r"] = { "sign", every = rec_w } }
    record { [p .. "_adam"] = { "m", "v", every = rec_w } }
    if sum then record { [p .. "_adam_sum"] = { "G", every = rec_w } } end
  end
end
if rec_l > 0 then
  record { H = { "L", every = rec_l }, Out = { "E", every = rec_l } }
end
