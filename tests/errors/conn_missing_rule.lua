-- A connectivity rule with parameters but no code: it must say which fields make a rule.
-- expect: 5: error: connectivity 'gauss': missing the rule: give prob = "..." (the probability of each pair i -> j) or count = "..." and target = "..." (row i's number of synapses and the target of its k-th)

local E = population { "E", lif, 100 }
local gauss = connectivity { name = "gauss", params = { sigma = 2.0 } }
