#!/usr/bin/env bash
# The three-factor rule and the reward-modulated STDP examples of docs/language.md
# ("Three-factor rules and reward-modulated STDP"), extracted from the document as they are
# written there and run with dt = 1 ms in double precision: every recorded weight, trace,
# dopamine value and spike is bitwise that of a Python step-by-step reimplementation of
# the documented step order (arrival: on_pre and delivery of the previous step's spikes
# (and dopamine into d) -> neuron update -> on_post -> post_spike, post_dynamics ->
# pre_spike, pre_dynamics -> dynamics).  Three-factor: rewards +1, 0 and -1 (a runtime
# parameter set with --set); the eligibility c is the same in all three, reward 0 leaves
# every weight at its initial value.  Each check can fail: the reference with the
# reward's sign flipped, or without the dopamine's decay, disagrees.
set -euo pipefail
example() { # name: the docs block that starts with '-- example: NAME'
    awk -v n="-- example: $1" '$0 == n {on = 1} on && /^```$/ {exit} on' docs/language.md
}
{ echo 'network { name = "tf", dt = 1.0, seed = 9, precision = "double" }'; example three_factor; } >"$WORK/tf.lua"
{ echo 'network { name = "rs", dt = 1.0, seed = 5, precision = "double" }'; example rstdp; } >"$WORK/rs.lua"
grep -q 'synapse = three_factor' "$WORK/tf.lua"
grep -q 'synapse = rstdp' "$WORK/rs.lua"
"$SNNCC" -q "$WORK/tf.lua" -o "$WORK/tf"
"$SNNCC" -q "$WORK/rs.lua" -o "$WORK/rs"
for r in 1 0 -1; do
    "$WORK/tf/tf" --time 100 --quiet --output "$WORK/tf_$r" --set params.PP.reward=$r --set record.Pre=spikes --set record.Post=spikes
done
"$WORK/rs/rs" --time 200 --quiet --output "$WORK/rs_out" --set record.Reward=spikes
$PY - "$WORK" <<'PY'
import math, sys
import numpy as np
W = sys.argv[1]

def spikes(out, pop, n, S):
    a = np.load(f"{out}/spikes_{pop}.npy")
    z = np.zeros((S, n))
    z[np.rint(a["t"]).astype(int) - 1, a["i"]] = 1.0
    return z

def syn(out, var, npre, npost):
    a = np.load(f"{out}/PP_{var}.npy")
    ts = np.unique(a["t"])
    m = np.zeros((len(ts), npre, npost))
    m[np.searchsorted(ts, a["t"]), a["pre"], a["post"]] = a["v"]
    return ts, m

# --- three-factor ---------------------------------------------------------------------
S = 100
res = {}
for r in (1, 0, -1):
    out = f"{W}/tf_{r}"
    zpre, zpost = spikes(out, "Pre", 2, S), spikes(out, "Post", 2, S)
    ts, wrec = syn(out, "w", 2, 2)
    _, crec = syn(out, "c", 2, 2)
    for mut in ("", "reward_sign"):
        rr = -r if mut else r
        x = np.zeros(2); y = np.zeros(2); c = np.zeros((2, 2)); w = np.full((2, 2), 0.5)
        dp, dm, dc = math.exp(-1 / 20.0), math.exp(-1 / 20.0), math.exp(-1 / 200.0)
        ws, cs = [], []
        for s in range(S):
            if s > 0:                                   # arrivals: on_pre
                for i in np.nonzero(zpre[s - 1])[0]:
                    c[i, :] = c[i, :] - 1.05 * y
            for j in np.nonzero(zpost[s])[0]:           # on_post
                c[:, j] = c[:, j] + 1.0 * x
            y = (y + zpost[s]) * dm
            x = (x + zpre[s]) * dp
            c = c * dc
            w = w + 0.01 * float(rr) * c * 1.0
            ws.append(w.copy()); cs.append(c.copy())
        same = (np.array(ws) == wrec).all() and (np.array(cs) == crec).all()
        if mut:
            assert not same or r == 0, f"three_factor reward {r}: the sign-flipped reference agrees"
        else:
            assert same, (r, np.argwhere(np.array(ws) != wrec)[:3])
    res[r] = (wrec, crec)
    print(f"three_factor reward {r}: {len(ts)} snapshots bitwise equal; final w {wrec[-1].ravel()}")
assert (res[1][1] == res[0][1]).all() and (res[-1][1] == res[0][1]).all()
assert (res[0][0] == 0.5).all()
assert (res[1][0][-1] != 0.5).all()

# --- reward-modulated STDP ------------------------------------------------------------
S = 200
out = f"{W}/rs_out"
zpre, zpost_rec, zrew = spikes(out, "Pre", 10, S), spikes(out, "Post", 3, S), spikes(out, "Reward", 1, S)
ts, wrec = syn(out, "w", 10, 3)
drec = np.load(f"{out}/Post_d.npy")["v"]
steps = [s for s in range(S) if s % 10 == 0] + [S - 1]
for mut in ("", "no_dopamine_decay"):
    w = wrec[0].copy()                         # step 0: no spike has arrived, w as initialised
    x = np.zeros(10); y = np.zeros(3); c = np.zeros((10, 3)); V = np.zeros(3); d = np.zeros(3)
    dp = dm = math.exp(-1 / 20.0); dc = math.exp(-1 / 1000.0)
    dd = 1.0 if mut else math.exp(-1 / 200.0)
    ws, ds, zs = [], [], np.zeros((S, 3))
    for s in range(S):
        acc = np.zeros(3)
        if s > 0:
            for i in np.nonzero(zpre[s - 1])[0]:     # on_pre, then the weight delivered
                c[i, :] = c[i, :] - 0.003 * y
                acc = acc + w[i, :]
            if zrew[s - 1, 0]:
                d = d + 0.5                          # dopamine into the state variable d
        V = V + (1.0 * (-V / 10.0) + acc)
        d = d * dd
        z = V >= 1.0
        V = np.where(z, 0.0, V)
        zs[s] = z
        for j in np.nonzero(z)[0]:
            c[:, j] = c[:, j] + 0.002 * x
        y = (y + z) * dm
        x = (x + zpre[s]) * dp
        c = c * dc
        w = np.minimum(1.0, np.maximum(0.0, w + c * d[None, :] * 1.0))
        ws.append(w.copy()); ds.append(d.copy())
    same = ((np.array(ws)[steps] == wrec).all() and (np.array(ds) == drec).all()
            and (zs == zpost_rec).all())
    if mut:
        assert not same, "rstdp: the reference without the dopamine's decay agrees"
    else:
        assert same, "rstdp: differs from the reference"
print(f"rstdp: {int(zs.sum())} target spikes, {len(ts)} weight snapshots and d bitwise equal; "
      f"{int(((wrec[-1] == 0) | (wrec[-1] == 1)).sum())} of 30 weights at a bound")
PY
echo "ok - three-factor and reward-modulated STDP examples: bitwise the Python reference"
