-- Per-synapse delays from an initialiser without an upper bound (normal_clipped with an
-- open upper end) pass the compiler; the simulator must stop at construction when a
-- drawn delay does not fit the 2-byte storage, naming the projection and the delay.
-- run: --time 1
-- expect-any: run_delay_too_long: error: projection 'long': delay
-- expect-any: steps of 0.1 ms, more than the 65535 steps that 2-byte delays hold

network { name = "run_delay_too_long", dt = 0.1 }
local E = population { "E", lif, 20 }
projection { E, E, name = "long", conn = fixed_total(100), weight = 1.0,
             delay = normal_clipped(7000.0, 100.0, 0.1) }
