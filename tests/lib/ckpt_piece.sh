# tests/lib/ckpt_piece.sh - a checkpoint's pieces (format 2: rank<r>/state.bin and the
# manifest's index, docs/run.md "The checkpoint directory"), for the checkpoint tests.
#   ckpt_piece DIR PIECE         prints "FILE OFFSET BYTES CRC32" (exit 1: no such piece)
#   ckpt_has DIR PIECE           whether the manifest lists the piece
#   ckpt_poke DIR PIECE AT BYTE  writes BYTE (\xNN) at byte AT of the piece, in its file
ckpt_piece() {
    ${PY:-/usr/bin/python3} - "$1/manifest.json" "$2" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["pieces"]:
    if p["piece"] == sys.argv[2]:
        print(p["file"], p["offset"], p["bytes"], p["crc32"])
        sys.exit(0)
sys.exit(1)
PY
}
ckpt_has() { ckpt_piece "$1" "$2" >/dev/null; }
ckpt_poke() {
    local file off len crc
    read -r file off len crc <<<"$(ckpt_piece "$1" "$2")" || return 1
    [ "$3" -lt "$len" ] || return 1
    printf "$4" | dd of="$1/$file" bs=1 seek=$((off + $3)) conv=notrunc 2>/dev/null
}
