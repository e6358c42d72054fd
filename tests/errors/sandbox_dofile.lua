-- Model files run in a sandbox: no dofile / loadfile, so no reading of other files.
-- expect: 4: error: unknown name 'dofile'

dofile("models/brunel.lua")
