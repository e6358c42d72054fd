-- Procedural connectivity regenerates rows: a rule drawn per target is refused.
-- expect: 5: error: projection 'E_to_E': format = "procedural" needs a row-wise rule (all_to_all, one_to_one, fixed_probability or fixed_outdegree); fixed_indegree is drawn per target

local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_indegree(10), weight = 0.1, format = "procedural" }
