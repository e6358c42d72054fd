-- Model files run in a sandbox: no os library (os.execute, os.remove, ...).
-- expect: 5: error: unknown name 'os' (model files run in a sandbox without files, the OS and module loading)

population { "E", lif, 10 }
os.execute("touch /tmp/snncc-sandbox-escape")
