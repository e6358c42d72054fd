#!/usr/bin/env bash
# A single LIF neuron (standard library lif, exact integration) under constant current:
# every spike time must equal the analytical one on the time grid,
#   first spike at ceil(t*/dt) dt, then every t_ref + ceil(t*/dt) dt,
#   t* = tau_m ln(R I / (R I - (V_th - E_L))), R = tau_m / C,
# and a current below rheobase (R I < V_th - E_L) must give no spike at all.
set -euo pipefail
for I in 400 600 1000 300; do
    "$SNNCC" -q models/lif_single.lua -D I_e=$I -o "$WORK/I$I"
    "$WORK/I$I/lif_single" --time 500 --output "$WORK/I$I/out" --quiet
    $PY - "$WORK/I$I/out/spikes_n.npy" "$I" <<'PYEOF'
import math, sys
import numpy as np
spk = np.load(sys.argv[1])
I = float(sys.argv[2])
C, tau_m, E_L, V_th, t_ref, dt, T = 250.0, 10.0, -70.0, -55.0, 2.0, 0.1, 500.0
R = tau_m / C
gap = V_th - E_L
if R * I <= gap:
    assert len(spk) == 0, f"I={I}: {len(spk)} spikes below rheobase"
    print(f"I={I}: no spikes below rheobase, as expected")
    sys.exit(0)
tstar = tau_m * math.log(R * I / (R * I - gap))
steps = math.ceil(tstar / dt - 1e-9)
expect = []
t = steps * dt
while t <= T + 1e-9:
    expect.append(t)
    t += round(t_ref / dt) * dt + steps * dt
expect = np.array(expect)
assert spk.dtype.names == ("t", "i"), spk.dtype
assert (spk["i"] == 0).all()
assert len(spk) == len(expect), f"I={I}: {len(spk)} spikes, expected {len(expect)}"
err = np.abs(spk["t"] - expect).max()
assert err < 1e-6, f"I={I}: spike times differ by up to {err} ms"
print(f"I={I}: {len(spk)} spikes at the analytical times (t* = {tstar:.4f} ms)")
PYEOF
done
