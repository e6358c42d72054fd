-- count belongs to a source row i; j (a target) is not defined there.
-- expect: 5: error: connectivity 'ring' count code: unknown name 'j'

local ring = connectivity { name = "ring", params = { w = 2 },
  count = "j + w", target = "mod(i + k, N_post)" }
population { "E", lif, 10 }
