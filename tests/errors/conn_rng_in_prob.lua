-- The pair form draws the random number of each pair itself: prob may not draw.
-- expect: 6: error: connectivity 'noisy' prob code: random draws are not allowed in prob and condition code (each pair draws its own random number to compare with prob)

local noisy = connectivity {
  name = "noisy", params = { p = 0.1 },
  prob = [[scalar u = uniform();
    p * u]],
}
population { "E", lif, 10 }
