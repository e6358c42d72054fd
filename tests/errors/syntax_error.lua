-- A Lua syntax error: a stray '=' in a local declaration.  The parser's own message,
-- with the line, as an error.
-- expect: 6: error: unexpected symbol near '='
network { name = "syntax_error" }

local scale = = 2
population { "E", lif, 10 }
