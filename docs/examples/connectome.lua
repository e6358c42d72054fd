-- A network whose wiring comes from data: a "connectome" given as .npy edge lists (source,
-- target, weight and delay of every synapse), initial membrane potentials from a file, and
-- a readout from a weight matrix.  Make the data first (not shipped; NumPy needed):
--
--   /usr/bin/python3 docs/examples/connectome_data.py      # writes docs/examples/connectome_*.npy
--   snncc docs/examples/connectome.lua -o build/connectome
--   build/connectome/connectome --time 1000
--
-- The simulator reads the files when it builds the network (each MPI rank and thread keeps
-- the synapses onto its own neurons), so the files may be replaced by others of the same
-- shape without recompiling; run.json's checksum of each projection tells which network
-- was built.  See docs/language.md, "Networks from data".
network { name = "connectome", dt = 0.1 }

-- 3000 neurons; the sign of a weight says whether its source is excitatory
local cell = lif { E_L = 0.0, V_reset = 10.0, V_th = 20.0, tau_m = 20.0, I_e = 200.0 }
local ring = population { "ring", cell, 3000, init = { V = from_file("connectome_v0.npy") } }
local drive = population { "drive", poisson { rate = 10.0 }, 3000 }
local readout = population { "readout", lif { E_L = 0.0, V_reset = 0.0, V_th = 8.0 }, 50,
                             init = { V = 0.0 } }

projection { drive, ring, conn = fixed_indegree(100), weight = 87.8, psm = exp_curr(0.5) }
projection { ring, ring, name = "wiring",
             conn   = from_list { pre = "connectome_pre.npy", post = "connectome_post.npy" },
             weight = from_file("connectome_w.npy"),       -- one value per list entry
             delay  = from_file("connectome_delay.npy"),   -- ms, rounded to steps
             psm    = exp_curr(0.5) }
projection { ring, readout, conn = from_matrix("connectome_readout.npy"), -- non-zero: a synapse
             psm = exp_curr(2.0) }

record { ring, readout }
