-- A typo in a neuron's sim code ('Vm' for 'V') inside a multi-line [[...]] string: the
-- error is on the model-file line where Vm appears, with a hint.
-- expect: 14: error: neuron 'lif' sim code: unknown name 'Vm' (did you mean 'V'?)

network { name = "code_unknown_name" }

local lif2 = neuron {
  name   = "lif",
  params = { C = 250.0, tau_m = 10.0, E_L = -70.0, V_reset = -70.0, V_th = -55.0 },
  vars   = { V = -70.0 },
  sim = [[
    scalar decay = exp(-dt / tau_m);
    V = E_L + (V - E_L) * decay
          + Isyn * (tau_m / C) * (1.0 - decay) + 0.0 * Vm;
  ]],
  threshold = "V >= V_th",
  reset     = "V = V_reset;",
}
population { "E", lif2, 100 }
