-- record{} names a population that does not exist.
-- expect: 6: error: record: unknown population 'Inhb' (did you mean 'Inhib'?)

population { "Exc", lif, 100 }
population { "Inhib", lif, 25 }
record { Exc = "spikes", Inhb = "spikes" }
