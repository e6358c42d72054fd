-- fixed_indegree without multapses asks for more distinct sources than the source
-- population has; reported at the line of the rule.
-- expect: 9: error: projection 'I_to_E': fixed_indegree(30) without multapses needs at least 30 distinct sources, but 'I' offers 25

local E = population { "E", lif, 100 }
local I = population { "I", lif, 25 }
projection {
  I, E,
  conn = fixed_indegree(30, { multapses = false }),
  weight = -1.0,
}
