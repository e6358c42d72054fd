-- An endless loop in the model file: the instruction limit stops it with an error at the
-- loop's line instead of hanging snncc, and pcall cannot swallow that error.
-- expect: 8: error: model evaluation exceeded 1000000000 instructions (an endless loop?)

population { "E", lif, 10 }
local n = 0
local function spin()
  while true do n = n + 1 end
end
while true do pcall(spin) end
