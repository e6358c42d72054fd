-- Potjans & Diesmann (2014) cortical microcircuit: 77,169 LIF neurons in 8 populations
-- (layers 2/3, 4, 5, 6; excitatory and inhibitory), about 3e8 synapses, exponential
-- current synapses, Poisson background.  Numbers as in NEST's PyNEST example
-- (../shared/reference/microcircuit.md).
--
--   snncc models/microcircuit.lua -o build/mc                       -- full scale
--   snncc models/microcircuit.lua -D N_scale=0.1 -D K_scale=0.1 -o build/mc_small
--
-- N_scale scales the population sizes, K_scale the number of synapses per neuron; with
-- K_scale < 1 the weights grow by 1/sqrt(K_scale) and a DC input makes up for the lost
-- mean input (the NEST example's compensation), so the rates stay near the full-scale
-- ones.
network { name = "microcircuit", dt = 0.1, seed = 55 }

local N_scale = param("N_scale", 1.0)
local K_scale = param("K_scale", 1.0)

local names   = { "L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I" }
local N_full  = { 20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948 }
local K_ext   = { 1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100 }
local V0_mean = { -68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43 }
local V0_sd   = { 5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48 }
-- full-scale rates of the reference implementation, for the DC compensation
local rates   = { 0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829 }

-- conn_probs[target][source]
local conn_probs = {
  { 0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0,    0.0076, 0.0    },
  { 0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0,    0.0042, 0.0    },
  { 0.0077, 0.0059, 0.0497, 0.135,  0.0067, 0.0003, 0.0453, 0.0    },
  { 0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0,    0.1057, 0.0    },
  { 0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0    },
  { 0.0548, 0.0269, 0.0257, 0.0022, 0.06,   0.3158, 0.0086, 0.0    },
  { 0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252 },
  { 0.0364, 0.001,  0.0034, 0.0005, 0.0277, 0.008,  0.0658, 0.1443 },
}

local tau_syn, bg_rate = 0.5, 8.0                 -- ms, Hz per external input
local C_m, tau_m = 250.0, 10.0
-- PSP (mV) -> PSC (pA) for an exponential PSC on this membrane
local function psc_per_psp()
  local a = tau_m * tau_syn / C_m / (tau_syn - tau_m)
  local b = (tau_m / tau_syn) ^ (tau_m / (tau_syn - tau_m))
          - (tau_m / tau_syn) ^ (tau_syn / (tau_syn - tau_m))
  return 1.0 / (a * b)
end
local w_E = 0.15 * psc_per_psp()                  -- 87.81 pA
local w_I = -4.0 * w_E                            -- -351.2 pA
local sqK = math.sqrt(K_scale)

local function round(x) return math.floor(x + 0.5) end

-- synapse totals, from the full-scale sizes (K_ij = ln(1-p) / ln(1 - 1/(Ni Nj)))
local K_full = {}
for i = 1, 8 do
  K_full[i] = {}
  for j = 1, 8 do
    local p = conn_probs[i][j]
    K_full[i][j] = p > 0 and math.log(1 - p) / math.log(1 - 1 / (N_full[i] * N_full[j])) or 0
  end
end

local function mean_weight(i, j)
  if j % 2 == 0 then return w_I end               -- inhibitory sources
  if names[i] == "L23E" and names[j] == "L4E" then return 2 * w_E end
  return w_E
end

local pops = {}
for i = 1, 8 do
  pops[i] = population { names[i], lif { C = C_m, tau_m = tau_m, E_L = -65.0, V_th = -50.0,
                                         V_reset = -65.0, t_ref = 2.0 },
                         math.max(1, round(N_full[i] * N_scale)),
                         init = { V = normal(V0_mean[i], V0_sd[i]) } }
end

local psc = exp_curr { tau = tau_syn }
for i = 1, 8 do
  -- Poisson background: K_ext inputs at 8 Hz each, one independent train per neuron
  local k_ext = round(K_ext[i] * K_scale)
  current_source { pops[i], poisson_input { rate = bg_rate * k_ext, weight = w_E / sqK },
                   psm = psc, name = names[i] .. "_bg" }
  -- K_scale < 1: DC making up for the mean input the dropped synapses would bring
  if K_scale ~= 1 then
    local input = w_E * K_ext[i] * bg_rate
    for j = 1, 8 do
      input = input + mean_weight(i, j) * K_full[i][j] / N_full[i] * rates[j]
    end
    current_source { pops[i], dc { amp = 0.001 * tau_syn * (1 - sqK) * input },
                     name = names[i] .. "_dc" }
  end
end

for i = 1, 8 do          -- target
  for j = 1, 8 do        -- source
    local n = round(K_full[i][j] * N_scale * K_scale)
    if n > 0 then
      local w = mean_weight(i, j) / sqK
      local inh = j % 2 == 0
      local d = inh and 0.75 or 1.5
      projection {
        pops[j], pops[i], name = names[j] .. "_to_" .. names[i],
        conn   = fixed_total(n),                  -- multapses and autapses allowed
        -- normal, redrawn until it keeps its sign
        weight = inh and normal_clipped(w, 0.1 * -w, -math.huge, 0.0)
                      or normal_clipped(w, 0.1 * w, 0.0, math.huge),
        -- normal, redrawn until >= dt; the bound of 25 ms (30 sd above the mean) never
        -- binds but lets each delay be stored in one byte
        delay  = normal_clipped(d, 0.5 * d, 0.1, 25.0),
        psm    = psc,
      }
    end
  end
end

record { L23E = "spikes", L23I = "spikes", L4E = "spikes", L4I = "spikes",
         L5E = "spikes", L5I = "spikes", L6E = "spikes", L6I = "spikes" }
