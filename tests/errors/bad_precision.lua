-- An unsupported floating-point precision.
-- expect: 4: error: network: precision must be "float" or "double" (got "half")

network { name = "bad_precision", precision = "half" }
population { "E", lif, 10 }
