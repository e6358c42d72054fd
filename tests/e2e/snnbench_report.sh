#!/usr/bin/env bash
# snnbench report: a synthetic store (two commits with a regression, a scale sweep and
# a Brian2 peer) rendered to one static HTML page with inline gnuplot SVG figures; the
# page is then rendered in headless chromium (DOM holds the <svg> elements, the
# screenshot is not blank).  Without chromium (and no root/CI to install it) the
# rendering part is skipped with a SKIP line.
set -euo pipefail
SB="$PWD/$BUILD/bin/snnbench"
cd "$WORK"
$PY - <<'PY'
import json, os
n = 0
def rec(commit, day, cell, model, params, backend, rep, sim, cons=0.2, peer=None):
    global n
    n += 1
    d = f"store/m1/{commit}"
    os.makedirs(d, exist_ok=True)
    r = {"schema": 1, "kind": "snnbench-record", "status": "ok", "reason": None, "suite": "rep",
         "cell": {"id": cell, "model": model, "file": f"models/{model}.lua", "params": params,
                  "backend": backend, "peer": peer, "ranks": 1, "threads": 1, "time_ms": 1000},
         "rep": rep,
         "timers": {"codegen_s": 0.01, "compile_s": 1.5, "construction_s": cons, "init_s": 0.001,
                    "simulation_s": sim, "real_time_factor": sim},
         "sanity": {"spikes": 1000, "rate_hz": 5.0}, "memory": {"peak_rss_bytes": 5e7},
         "meta": {"machine": "m1", "hostname": "m1", "commit": commit, "os": "Linux", "cpu": "x",
                  "cores": 4, "date": f"2025-01-{day:02d}T00:00:{rep:02d}.000Z"}}
    json.dump(r, open(f"{d}/r{n}.json", "w"))
for rep in range(1, 6):
    for c, day, slow in (("aaaa00000001", 1, 1.0), ("bbbb00000002", 2, 1.0), ("cccc00000003", 3, 1.4)):
        for s in (0.1, 0.2, 0.5):
            rec(c, day, f"brunel-scale={s}-c-r1-t1", "brunel", {"scale": s}, "c", rep,
                slow * s * (1 + 0.01 * rep))
    rec("cccc00000003", 3, "coba-c-r1-t1", "coba", {}, "c", rep, 0.8 + 0.01 * rep)
    rec("cccc00000003", 3, "coba_brian2-brian2-r1-t1", "coba", {}, "brian2", rep, 2.0 + 0.01 * rep,
        cons=5.0, peer="brian2")
PY
"$SB" report --store store -o report.html | grep -q "^wrote report.html (4 figures"
test "$(grep -c '<svg' report.html)" -eq 4
grep -q "History over commits" report.html
grep -q "3 regression(s) circled" report.html
# regressions are listed: every brunel cell got 40 % slower at cccc
test "$(grep -c '<td>cccc00000003</td>' report.html)" -eq 3
if grep -q '<?xml' report.html; then exit 1; fi

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ] && [ "$(id -u)" -eq 0 ] && [ -n "${CI:-}" ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || true
    CHROMIUM=$(command -v chromium || true)
fi
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (apt-get install chromium); the HTML was checked, not rendered"
    exit 0
fi
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --user-data-dir="$WORK/chrome-profile" --window-size=1200,2000)
timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$WORK/report.html" >dom.html 2>chrome.log
test "$(grep -c '<svg' dom.html)" -eq 4
timeout 120 "$CHROMIUM" "${flags[@]}" --screenshot="$WORK/shot.png" "file://$WORK/report.html" >>chrome.log 2>&1
$PY - shot.png <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w, h, ct = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ct = struct.unpack(">IIBB", body[:10])
        assert depth == 8, depth
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = {2: 3, 6: 4, 0: 1, 4: 2}[ct]
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
vals = []
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 4 == 0:
        vals.extend(line[0:stride:bpp * 4])
mean = sum(vals) / len(vals)
var = sum((v - mean) ** 2 for v in vals) / len(vals)
dark = sum(v < 128 for v in vals) / len(vals)
print(f"screenshot {w}x{h}: mean {mean:.1f}, variance {var:.1f}, dark fraction {dark:.4f}")
assert var > 50 and dark > 0.002, "blank page"
PY
echo "report rendered"
