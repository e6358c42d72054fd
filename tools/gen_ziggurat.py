#!/usr/bin/env python3
"""Tables of the 256-layer Ziggurat for the standard normal in runtime/snn_philox.h.

f(x) = exp(-x^2 / 2) (unnormalised half normal).  Layers 1..255 are the boxes
[0, X[i]] x [f(X[i]), f(X[i+1])], layer 0 the base box [0, r] x [0, f(r)] together with the
tail beyond r = X[1], all of area v; X[0] = v / f(r) is the base layer's equivalent width
and X[256] = 0.  r is the root of "the 255th layer ends exactly at the top of the curve",
found with 60 significant digits (mpmath), then every value is rounded once to double
(and to float for the float tables).

    python3 tools/gen_ziggurat.py > /tmp/zig.h   # paste into snn_philox.h
"""
import mpmath as mp

mp.mp.dps = 60
N = 256


def f(x):
    return mp.exp(-x * x / 2)


def area(r):
    return r * f(r) + mp.sqrt(mp.pi / 2) * mp.erfc(r / mp.sqrt(2))


def top_gap(r):
    """f(X[255]) + v / X[255] - 1: zero when the top layer ends at the peak f(0) = 1."""
    v = area(r)
    x = r
    for _ in range(1, N - 1):
        y = v / x + f(x)
        if y >= 1:
            return y  # the layers reach the peak early: r is too small (positive gap)
        x = mp.sqrt(-2 * mp.log(y))
    return v / x + f(x) - 1


def tables():
    r = mp.findroot(top_gap, (mp.mpf("3.6"), mp.mpf("3.7")), solver="anderson")
    v = area(r)
    X = [mp.mpf(0)] * (N + 1)
    X[0] = v / f(r)
    X[1] = r
    for i in range(1, N - 1):
        X[i + 1] = mp.sqrt(-2 * mp.log(v / X[i] + f(X[i])))
    X[N] = mp.mpf(0)
    F = [f(x) for x in X]
    F[N] = mp.mpf(1)
    return r, v, X, F


def to_float32(x):
    import struct
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def emit(name, vals, ctype, suffix, per_line):
    print(f"    static const {ctype} {name}[{len(vals)}] = {{")
    items = []
    for x in vals:
        if ctype == "float":
            s = f"{to_float32(x):.9g}"
        else:
            s = repr(float(x))
        if "e" not in s and "." not in s:
            s += ".0"
        items.append(s + suffix)
    for k in range(0, len(items), per_line):
        print("        " + ", ".join(items[k:k + per_line]) + ",")
    print("    };")


if __name__ == "__main__":
    r, v, X, F = tables()
    print(f"/* r = {mp.nstr(r, 25)}, v = {mp.nstr(v, 25)}, residual {mp.nstr(top_gap(r), 3)} */")
    emit("x", X, "double", "", 3)
    emit("f", F, "double", "", 3)
    emit("xf", X, "float", "f", 5)
    emit("ff", F, "float", "f", 5)
