-- exp_cond needs the target's membrane potential (the variable 'V' unless exp_cond{ V = ... }
-- says otherwise); this neuron calls it 'v'.
-- expect: 10: error: projection 'E_to_E': exp_cond needs the membrane variable 'V' of the target, but neuron 'm' has no such variable (set exp_cond{ V = ... })

local m = neuron {
  name = "m", vars = { v = -65.0 },
  sim = "v += dt * (-(v + 65.0) / 20.0 + Isyn);",
}
local E = population { "E", m, 10 }
projection { E, E, conn = fixed_indegree(5), weight = 1.0,
             psm = exp_cond { tau = 5.0, E = 0.0 } }
