-- A projection names a population that the file declares only further down: the message
-- says so (issue 12) instead of only "unknown population".
-- expect: 7: error: projection: unknown population 'I2' (it is defined later, at line 8: a population must be declared before it is used)

network { name = "later", dt = 0.1 }
population { "E", lif, 10 }
projection { "E", "I2", conn = all_to_all(), weight = 1.0, delay = 1.0 }
population { "I2", lif, 10 }
