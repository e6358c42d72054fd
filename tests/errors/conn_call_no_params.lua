-- A rule without parameters is used as it is; calling it is an error.
-- expect: 5: error: connectivity 'diag' has no parameters: use it as it is (conn = diag)

local diag = connectivity { name = "diag", prob = "i == j ? 1 : 0" }
local rule = diag { }
