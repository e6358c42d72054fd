-- i, j, k, N_pre and N_post are the rule's own names; a parameter may not take one.
-- expect: 4: error: connectivity 'outd': parameter name 'k' is reserved (i, j, k, N_pre and N_post are the rule's indices and population sizes)

local outd = connectivity { name = "outd", params = { k = 5 }, count = "k", target = "mod(i + k, N_post)" }
population { "E", lif, 10 }
