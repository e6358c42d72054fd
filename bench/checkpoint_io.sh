#!/usr/bin/env bash
# bench/checkpoint_io.sh - `make bench-ckpt`: checkpoint write and restore of the microcircuit
# against writing and reading the same bytes sequentially (issue 16's benchmark; docs/performance.md
# "Checkpoints").  Not a test: prints figures.
#
#   N_SCALE=1 TIME=10 THREADS=2 ROUNDS=3 CKPT_DIR=/path/on/the/disk bench/checkpoint_io.sh
#   BUILD_B=build/other ...   also another build's simulator (e.g. main's), in the same rounds
#
# One build of models/microcircuit.lua at N_SCALE; then ROUNDS rounds, each in alternation:
#   A  the simulator runs TIME ms with `checkpoint.at_end` (run.json: run.checkpoint.last_write_s,
#      the wall time of writing the checkpoint: every file, the sync, the manifest, the rename
#      that publishes it) with `checkpoint.sync: filesystem` (one syncfs);
#   A' the same with `checkpoint.sync: files` (an fsync per file: the default);
#   B  the same number of bytes written as one sequential stream with dd (1 MiB blocks,
#      conv=fsync: the data on the disk before dd returns);
#   C  `--restore` of that checkpoint, one more step (0.1 ms, the model's dt; run.json:
#      run.restored_from.load_s: read, check every file's CRC-32 against the manifest, load);
#   D  dd reading B's file back (1 MiB blocks).
#   A_B, C_B (with BUILD_B): A and C with the simulator that BUILD_B's snncc makes, in every
#      round right after A resp. C (an A/B comparison on a shared machine).
# Both reads come from the page cache unless the machine evicted the files (this script does
# not drop the caches: a shared machine); C and D see the same cache state.
# Printed per round and as medians: bytes, seconds, GB/s, and the ratios A/B and C/D
# (issue 16's target: write within 2x of one sequential write of the same bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N_SCALE=${N_SCALE:-1}
TIME=${TIME:-10}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
PY=${PY:-/usr/bin/python3}
OUT="$BUILD/bench-ckpt"
CKPT_DIR=${CKPT_DIR:-$OUT/disk}
rm -rf "$OUT" "$CKPT_DIR"
mkdir -p "$OUT" "$CKPT_DIR"

"$BUILD/bin/snncc" -q models/microcircuit.lua -D N_scale="$N_SCALE" -o "$OUT/mc"
SIM="$OUT/mc/microcircuit"
BUILD_B=${BUILD_B:-}
[ -z "$BUILD_B" ] || "$BUILD_B/bin/snncc" -q models/microcircuit.lua -D N_scale="$N_SCALE" -o "$OUT/mcB"
CK="$CKPT_DIR/ck"
SEQ="$CKPT_DIR/seq.bin"

now() { date +%s.%N; }
: >"$OUT/rounds.txt"
for r in $(seq 1 "$ROUNDS"); do
    # A: the checkpoint
    rm -rf "$OUT/runA" "$CK"
    "$SIM" --time "$TIME" --set threads="$THREADS" --set checkpoint.dir="$CK" \
        --set checkpoint.at_end=true --set checkpoint.sync=filesystem --quiet --output "$OUT/runA"
    rm -rf "$OUT/runA2" "$CK"
    "$SIM" --time "$TIME" --set threads="$THREADS" --set checkpoint.dir="$CK" \
        --set checkpoint.at_end=true --set checkpoint.sync=files --quiet --output "$OUT/runA2"
    bytes=$("$PY" -c 'import json,sys; print(sum(f["bytes"] for f in json.load(open(sys.argv[1]))["files"]))' "$CK/manifest.json")
    rm -rf "$OUT/runAB" "$CK.B"
    if [ -n "$BUILD_B" ]; then
        "$OUT/mcB/microcircuit" --time "$TIME" --set threads="$THREADS" --set checkpoint.dir="$CK.B" \
            --set checkpoint.at_end=true --quiet --output "$OUT/runAB"
    fi
    # B: the same bytes, one sequential write
    rm -f "$SEQ"
    mib=$(( (bytes + 1048575) / 1048576 ))
    t0=$(now)
    dd if=/dev/zero of="$SEQ" bs=1M count="$mib" conv=fsync status=none
    t1=$(now)
    # C: the restore
    rm -rf "$OUT/runC"
    "$SIM" --time "$(awk -v t="$TIME" 'BEGIN { print t + 0.1 }')" --set threads="$THREADS" \
        --restore "$CK" --quiet --output "$OUT/runC"
    rm -rf "$OUT/runCB"
    if [ -n "$BUILD_B" ]; then
        "$OUT/mcB/microcircuit" --time "$(awk -v t="$TIME" 'BEGIN { print t + 0.1 }')" \
            --set threads="$THREADS" --restore "$CK.B" --quiet --output "$OUT/runCB"
    fi
    # D: the same bytes read back
    t2=$(now)
    dd if="$SEQ" of=/dev/null bs=1M status=none
    t3=$(now)
    "$PY" - "$OUT/runA/run.json" "$OUT/runC/run.json" "$OUT/runA2/run.json" "$bytes" "$mib" "$t0" "$t1" "$t2" "$t3" \
        "$OUT/runAB/run.json" "$OUT/runCB/run.json" >>"$OUT/rounds.txt" <<'EOF'
import json, os, sys
a = json.load(open(sys.argv[1]))["run"]["checkpoint"]
c = json.load(open(sys.argv[2]))["run"]["restored_from"]
a2 = json.load(open(sys.argv[3]))["run"]["checkpoint"]
assert a["sync"] == "filesystem" and a2["sync"] == "files", (a, a2)
nbytes = int(sys.argv[4]); seqbytes = int(sys.argv[5]) * 1048576
t0, t1, t2, t3 = map(float, sys.argv[6:10])
ab = cb = 0
if os.path.exists(sys.argv[10]):
    ab = json.load(open(sys.argv[10]))["run"]["checkpoint"]["last_write_s"]
    cb = json.load(open(sys.argv[11]))["run"]["restored_from"]["load_s"]
print(nbytes, a["last_write_s"], seqbytes, t1 - t0, c["load_s"], t3 - t2, a2["last_write_s"], ab, cb)
EOF
done

"$PY" - "$OUT/rounds.txt" "$N_SCALE" "$TIME" "$THREADS" "$CKPT_DIR" "$BUILD" "$BUILD_B" <<'EOF'
import statistics as st, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(f"microcircuit N_scale={sys.argv[2]}, {sys.argv[3]} ms, threads={sys.argv[4]}; "
      f"checkpoints in {sys.argv[5]}")
print("round  bytes        write s (fs)  GB/s   ratio  write s (files)  ratio  seq write s  GB/s | "
      "restore s  GB/s   seq read s  GB/s   ratio")
wr, wr2, rr, wb, rb = [], [], [], [], []
for i, (nb, aw, sb, bw, cl, dr, aw2, ab, cb) in enumerate(rows, 1):
    wr.append(aw / bw); wr2.append(aw2 / bw); rr.append(cl / dr); wb.append(ab / bw); rb.append(cb / dr)
    print(f"{i:5d}  {int(nb):11d}  {aw:12.3f}  {nb / aw / 1e9:5.2f}  {aw / bw:5.2f}  {aw2:15.3f}  "
          f"{aw2 / bw:5.2f}  {bw:11.3f}  {sb / bw / 1e9:5.2f} | {cl:9.3f}  {nb / cl / 1e9:5.2f}  "
          f"{dr:10.3f}  {sb / dr / 1e9:5.2f}  {cl / dr:5.2f}")
print(f"median write ratio, sync: filesystem (checkpoint / one sequential write of the same "
      f"bytes): {st.median(wr):.2f} (target <= 2)")
print(f"median write ratio, sync: files: {st.median(wr2):.2f}")
print(f"median restore ratio (load / sequential read of the same bytes): {st.median(rr):.2f}")
if sys.argv[7]:
    print(f"{sys.argv[7]} (B) in the same rounds: write s (fs) " +
          " ".join(f"{r[7]:.3f}" for r in rows) + f"; median write ratio {st.median(wb):.2f}, "
          f"restore s " + " ".join(f"{r[8]:.3f}" for r in rows) +
          f"; median restore ratio {st.median(rb):.2f} ({sys.argv[6]}: {st.median(wr):.2f}, "
          f"{st.median(rr):.2f})")
EOF
rm -rf "$CKPT_DIR"
