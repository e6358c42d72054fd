-- tests/e2e/rewire_delays.sh: per-synapse delays on a rewired projection move with their
-- synapse.  S (4 Poisson sources, recorded) -> E (6 neurons that record their input:
-- x = Isyn, delta synapses), all-to-all, delay = uniform(1, 8) ms at dt = 1 ms.  After
-- every step, connectivity update "rw" removes every synapse after step 0 and a third of
-- them after each later one (those with (pre + post + t) % 3 == 0: different places in
-- each row, so the kept synapses move down their rows; modes 0 and 2 also those whose
-- delay is 7 ms, read by remove), then adds every missing pair back
-- (count = N_post - row_length, random targets, redrawn while connected), each inserted in
-- target order (the synapses after it move up).
--   mode 0: a new synapse's weight and delay from add.init (delay 1 .. 7 ms, a function
--           of the pair and t, so a pair formed again gets another delay);
--   mode 1: its delay from the projection's initialiser, delay = uniform(2.6, 3.4): always
--           3 steps (the declared distribution, drawn per pair);
--   mode 2: as mode 0, the candidates built-in forming them (every target a candidate: a
--           pair connected when the update starts is not formed again until the next).
-- check.py recomputes x from the recorded spikes and the rules exactly.
local mode = param("mode", 0)
local batch = param("batch", 1)  -- -D batch=2: lanes (lane 0 decides for every lane)
network { name = "rewire_delays", dt = 1.0, seed = 11, precision = "double",
  batch = batch > 1 and batch or nil }
local S = population { "S", poisson { rate = 250.0 }, 4 }
local acc = neuron { name = "acc", vars = { x = 0.0 }, sim = "x = Isyn;" }
local E = population { "E", acc, 6 }
local P = projection { S, E, name = "SE", conn = all_to_all(),
  weight = uniform(0.5, 1.5), psm = delta(),
  delay = mode == 1 and uniform(2.6, 3.4) or uniform(1.0, 8.0) }
local init = { w = "1.0 + id_post + 8.0 * id_pre" }
if mode ~= 1 then
  init.delay = "1.0 + fmod(id_post + 2.0 * id_pre + t, 7.0)"
end
local remove = "t < 1.5 || fmod(id_pre + id_post + t, 3.0) == 0.0" ..
               (mode ~= 1 and " || delay > 6.5" or "")  -- reads the synapse's delay (ms)
if mode == 2 then -- the candidates built-in forms them (every target a candidate)
  connectivity_update { name = "rw", projection = P, every = 1, remove = remove,
    candidates = { count = 6, add = "1" }, add = { init = init } }
else
  connectivity_update { name = "rw", projection = P, every = 1, remove = remove,
    add = { count = "N_post - row_length", target = "floor(uniform() * N_post)", redraw = true,
            init = init } }
end
record { S = "spikes", E = { "x" } }
