-- fixed_total splits its synapses over the targets first: not row-wise.
-- expect: 5: error: projection 'E_to_E': format = "procedural" needs a row-wise rule (all_to_all, one_to_one, fixed_probability or fixed_outdegree); fixed_total is drawn per target

local E = population { "E", lif, 100 }
projection { E, E, conn = fixed_total(500), weight = 0.1, format = "procedural" }
