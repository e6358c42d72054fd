-- param() without a default, and no -D on the command line.
-- expect: 4: error: param: 'N' has no default and is not set (pass -D N=VALUE)

local N = param("N")
population { "E", lif, N }
