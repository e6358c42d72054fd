#!/usr/bin/env bash
# docs/language.md's sandbox section lists every global a model file sees (issue 12,
# defect 13): the names between its "sandbox-globals" markers must be exactly the keys of
# the sandbox's environment (the allow-listed Lua globals, the model language registered
# by lua_api.c and the standard library), read here from inside a model through _ENV.
set -euo pipefail
cat >"$WORK/env.lua" <<'LUA'
local ks = {}
for k in pairs(_ENV) do ks[#ks + 1] = k end
table.sort(ks)
print("GLOBALS " .. table.concat(ks, " "))
network { name = "env" }
population { "P", poisson, 1 }
LUA
"$SNNCC" --check "$WORK/env.lua" 2>"$WORK/stderr"
sed -n 's/.*note: GLOBALS //p' "$WORK/stderr" | tr ' ' '\n' | sort >"$WORK/actual"
[ -s "$WORK/actual" ]
sed -n '/<!-- sandbox-globals: begin -->/,/<!-- sandbox-globals: end -->/p' docs/language.md |
    sed 's/([^)]*)//g' | grep -o '`[^`]*`' | tr -d '`' | tr ' ' '\n' | sed '/^$/d' |
    sort >"$WORK/documented"
[ -s "$WORK/documented" ]
if ! diff -u "$WORK/documented" "$WORK/actual"; then
    echo "docs/language.md's list of sandbox globals (-) differs from the sandbox (+)"
    exit 1
fi
[ "$(sort -u "$WORK/documented" | wc -l)" -eq "$(wc -l <"$WORK/documented")" ] ||
    { echo "a global is listed twice"; exit 1; }
echo "sandbox globals ok: $(wc -l <"$WORK/actual") names"
