-- the run config's batch needs a model declared with network{ batch = B }
-- run: --time 1 --set batch=2
-- expect-any: --set 'batch=2': 'batch' needs a batched model: model 'unbatched' has no network{ batch = B } (docs/language.md "Batches")
network { name = "unbatched" }
local E = population { "E", lif, 10 }
