-- A dense matrix holds one synapse per pair: a rule with multapses is refused.
-- expect: 5: error: projection 'E_to_E': format = "dense" holds at most one synapse per pair, but fixed_indegree allows multapses; add { multapses = false } to the rule

local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_indegree(10), weight = 0.1, format = "dense" }
