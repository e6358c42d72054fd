-- A misspelt model-language function (populaton for population): an unknown global is an
-- error with a "did you mean" hint, not a silent nil call.
-- expect: 5: error: unknown name 'populaton' (did you mean 'population'?)

populaton { "E", lif, 10 }
