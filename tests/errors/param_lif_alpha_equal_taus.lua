-- lif_alpha's propagator divides by tau_syn - tau_m: a constraint may name another
-- parameter.
-- expect: 6: error: lif_alpha{...}: parameter 'tau_syn' of neuron 'lif_alpha' must be > 0 and != tau_m (= 10) (got 10)

network { name = "p", dt = 0.1 }
population { "E", lif_alpha { tau_syn = 10.0, tau_m = 10.0 }, 10 }
