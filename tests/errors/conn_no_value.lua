-- A rule's code ends with the expression that gives its value; statements alone do not.
-- expect: 5: error: connectivity 'c' prob code: expected an expression giving the value at the end (got end of input)

local c = connectivity {
  name = "c", prob = "scalar p = 0.1;",
}
population { "E", lif, 10 }
