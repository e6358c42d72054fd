-- A memory bomb: a 1 GB string is more than model evaluation may use (512 MiB by
-- default); it fails cleanly with the line and the limit.
-- expect: 6: error: not enough memory (model evaluation may use 512 MiB; see --mem-limit)

population { "E", lif, 10 }
local big = string.rep("x", 1000000000)
