-- The row form (count, target) visits only its synapses: max_prob bounds the pair form.
-- expect: 4: error: connectivity 'ring': max_prob bounds the pair form's prob; the row form (count, target) visits only its synapses already

local ring = connectivity { name = "ring", count = "2", target = "mod(i + 1 + k, N_post)",
  max_prob = 0.5 }
