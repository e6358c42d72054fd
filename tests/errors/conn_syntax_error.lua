-- A syntax error in a rule's code, reported at its line.
-- expect: 6: error: connectivity 'band' condition code: expected an expression (got end of input)

local band = connectivity {
  name = "band", params = { w = 3 }, prob = "0.5",
  condition = "abs(i - j) <",
}
population { "E", lif, 10 }
