-- A __gc finalizer with an endless loop: finalizers run with Lua's hooks off, out of the
-- instruction limit's reach (snncc would hang at exit), so setmetatable refuses __gc.
-- expect: 6: error: setmetatable: __gc metamethods are not available in model files

population { "E", lif, 10 }
local t = setmetatable({}, { __gc = function() while true do end end })
