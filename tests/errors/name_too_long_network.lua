-- A 300-character network name (it names the generated files) is refused at check time,
-- at the network{} line, and the message echoes only its first 60 characters.
-- expect: 5: error: network: name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is too long (300 characters; names have at most 64)

network { name = string.rep("n", 300), dt = 0.1 }
population { "E", lif, 10 }
