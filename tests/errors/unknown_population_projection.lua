-- A projection naming its target population by a misspelt name.
-- expect: 6: error: projection: unknown population 'Inhb' (did you mean 'Inhib'?)

population { "Excit", lif, 100 }
population { "Inhib", lif, 25 }
projection { "Excit", "Inhb", conn = fixed_indegree(10), weight = 1.0 }
