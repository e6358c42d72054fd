-- Model files run in a sandbox: load (which could also load bytecode) is not there.
-- expect: 5: error: unknown name 'load'

local code = "return 10"
local n = load(code)()
population { "E", lif, n }
