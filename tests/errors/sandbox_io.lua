-- Model files run in a sandbox: the io library does not exist there.
-- expect: 4: error: unknown name 'io'

local f = io.open("/etc/passwd")
population { "E", lif, 10 }
