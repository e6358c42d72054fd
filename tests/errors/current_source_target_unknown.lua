-- A Poisson current source aimed at a variable that the neuron does not have.
-- expect: 5: error: current_source 'E_bg': target 'ge' is not a variable of neuron 'lif'

local E = population { "E", lif, 20 }
current_source { E, poisson_input { rate = 1000.0, weight = 1.0 }, target = "ge", name = "E_bg" }
