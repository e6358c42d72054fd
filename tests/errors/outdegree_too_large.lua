-- fixed_outdegree without multapses asks for more distinct targets than the target
-- population has; reported at the line of the rule.
-- expect: 9: error: projection 'E_to_I': fixed_outdegree(30) without multapses needs at least 30 distinct targets, but 'I' offers 25

local E = population { "E", lif, 100 }
local I = population { "I", lif, 25 }
projection {
  E, I,
  conn = fixed_outdegree(30, { multapses = false }),
  weight = 1.0,
}
