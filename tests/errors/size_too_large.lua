-- 1e10 neurons in one population: neuron indices are 32 bits.
-- expect: 4: error: population 'E': size 10000000000 exceeds the limit of 4294967294 neurons per population

population { "E", lif, 1e10 }
