-- a max_row_length below the rows a rule builds is refused at compile time (the run
-- checks the others at start: tests/e2e/struct_plast.sh)
-- expect: 7: error: projection 'SE': max_row_length 4 cannot hold its rows (fixed_outdegree gives every source 5 synapses; connectivity_update 'rw' rewires it)
network { name = "x" }
local S = population { "S", poisson { rate = 10.0 }, 20 }
local E = population { "E", lif, 20 }
local P = projection { S, E, name = "SE", conn = fixed_outdegree(5, { multapses = false }),
                       weight = 1.0, max_row_length = 4 }
connectivity_update { name = "rw", projection = P, every = 10, remove = "uniform() < 0.1" }
