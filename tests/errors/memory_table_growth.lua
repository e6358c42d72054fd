-- A memory bomb by table growth: a table grown element by element in a loop until the
-- memory limit; the error points at the loop.
-- expect: 7: error: not enough memory (model evaluation may use 512 MiB; see --mem-limit)

population { "E", lif, 10 }
local t = {}
for i = 1, 1e9 do t[i] = i end
