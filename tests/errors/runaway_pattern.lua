-- A string pattern whose matching backtracks for ages inside Lua's C library, where the
-- instruction budget cannot see it: the wall-clock limit ends it with a message.
-- snncc: --time-limit 2
-- expect-any: tests/errors/runaway_pattern.lua: error: model evaluation took longer than 2 s
local s = string.rep("a", 40)
local found = s:find(string.rep("a*", 40) .. "b")
network { name = "runaway" }
