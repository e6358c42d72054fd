-- max_prob is one bound per target j (its column), so its code cannot use the source i;
-- the row form has no prob to bound.
-- expect: 7: error: connectivity 'near' max_prob code: 'i' is not defined here: max_prob is evaluated once per target j, as the bound over all its sources (it may use j, N_pre, N_post and the parameters)

local near = connectivity { name = "near", params = { p = 0.5 },
  prob = "abs(i - j) < 3 ? p : 0",
  max_prob = "i < 5 ? p : 0.1" }
population { "E", lif, 10 }
