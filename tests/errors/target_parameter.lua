-- target must be a state variable: a parameter of the target model is not one.
-- expect: 5: error: projection 'E_to_E': target 'tau_m' is not a variable of neuron 'lif'

local E = population { "E", lif, 10 }
projection {
  E, E, conn = fixed_indegree(5), weight = 1.0, target = "tau_m",
}
