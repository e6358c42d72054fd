-- Model files run in a sandbox: require cannot load modules (or C libraries).
-- expect: 4: error: unknown name 'require'

local json = require("json")
population { "E", lif, 10 }
