-- step_current's times must increase.
-- expect: 6: error: step_current: 'times' must increase (entry 3: 30 after 50)

local E = population { "E", lif, 20 }
current_source { E,
  step_current { times = { 10.0, 50.0, 30.0 }, amps = { 100.0, 0.0, 50.0 } } }
