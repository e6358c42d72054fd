#!/usr/bin/env bash
# snnbench ab end to end.
# 1. A throwaway git repository whose Makefile "builds" a fake snncc (its simulators write
#    a run.json whose simulation time is the revision's file `speed` times 1 + rep/1000,
#    construction always 0.25 s): tags v1 (speed 1), v2 (speed 1.2) and v3 (make
#    fails).  Checked: the worktrees are built with make there (the caller's own
#    build/bin/snncc, speed 9, is never used) and removed afterwards; the order of the
#    runs as the simulators saw it (abba and abab); the report's structure; v1 against
#    v1 built once and "no difference" everywhere; v1 against v2 "slower" in simulation
#    with B/A 1.2, p = 2/252 (exact, five pairs) and "no difference" in construction;
#    --fail-above 1.03 exits 1 and 1.25 exits 0; the records in the store tagged with
#    side, revision and commit; --json; a failing build, an unknown revision, a missing
#    prebuilt tree and an unknown metric stop with exit 2 and a message.
# 2. The real snncc on bench/suites/tiny.yaml, HEAD against HEAD from the prebuilt
#    $BUILD (lif_single and brunel at scale 0.05; 2 pairs of 20 ms, one build per side
#    and cell): every c cell reported for
#    construction, simulation and total, "no difference" (with 2 pairs the smallest
#    possible p is 1/3, so this holds whatever the timings), records valid for ls.
# Asserts no timing of the real simulators.
set -euo pipefail
# a check that fails (set -e) names itself: the log shows the line and the command
trap '[[ $- == *e* ]] && echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
SB="$PWD/$BUILD/bin/snnbench"
ROOT=$PWD
cd "$WORK"
export FAKE_LOG="$WORK/runs.log"
: >"$FAKE_LOG"

# ---- 1. a throwaway repository ---------------------------------------------------------
mkdir proj
cd proj
git init -q .
git config user.email t@example.org
git config user.name test
cat >snncc.in <<'SH'
#!/usr/bin/env bash
# fake snncc: -o DIR MODEL.lua; writes DIR/build.yaml and a simulator DIR/<model>
out= model=
while [ $# -gt 0 ]; do
    case "$1" in
    -o) out=$2; shift ;;
    --backend | -D) shift ;;
    *.lua) model=$1 ;;
    esac
    shift
done
name=$(basename "$model" .lua)
mkdir -p "$out"
printf 'codegen_s: 0.01\ncompile_s: 0.02\n' >"$out/build.yaml"
cat >"$out/$name" <<SIM
#!/usr/bin/env bash
outdir= t=1000
while [ \$# -gt 0 ]; do
    case "\$1" in --output) outdir=\$2; shift ;; --time) t=\$2; shift ;; esac
    shift
done
echo "\$outdir" >>"\$FAKE_LOG"
rep=\${outdir##*rep}
sim=\$(awk -v s=@SPEED@ -v r="\$rep" 'BEGIN { printf "%.6f", s * (1 + r / 1000) }')
mkdir -p "\$outdir"
printf '{"schema": 1, "status": "complete", "model": {"name": "$name", "hash": "00", "precision": "double"},
 "run": {"duration_ms": %s, "steps_done": 10, "seed": 1},
 "timers": {"construction_s": 0.25, "init_s": 0.01, "simulation_s": %s},
 "sizes": {"neurons": 10, "synapses": 0},
 "populations": [{"name": "E", "size": 10, "spikes": 5, "rate_hz": 1.0}]}\n' "\$t" "\$sim" >"\$outdir/run.json"
SIM
chmod +x "$out/$name"
SH
cat >Makefile <<'MK'
BUILD ?= build
all: $(BUILD)/bin/snncc
$(BUILD)/bin/snncc: snncc.in speed
	mkdir -p $(BUILD)/bin
	sed "s/@SPEED@/$$(cat speed)/" snncc.in >$@
	chmod +x $@
MK
printf 'build/\n' >.gitignore
echo 1.0 >speed
git add -A
git commit -qm v1
git tag v1
echo 1.2 >speed
git commit -qam v2
git tag v2
printf 'all:\n\t@echo "cc: error: broken on purpose" >&2; exit 1\n' >Makefile
git commit -qam v3
git tag v3
git checkout -q v2
# the caller's own build, which ab must not use
mkdir -p build/bin
sed "s/@SPEED@/9/" snncc.in >build/bin/snncc
chmod +x build/bin/snncc
cd ..

touch m1.lua m2.lua
cat >suite.yaml <<'YAML'
suite: abtest
time_ms: 100
models:
  - file: m1.lua
  - file: m2.lua
    params: {scale: [1, 2]}
  - name: mp
    file: m1.lua
    peer: brian2
YAML
# three cells: m1-c-r1-t1, m2-scale=1-c-r1-t1, m2-scale=2-c-r1-t1; the peer is left out
C1=m1-c-r1-t1
C2=m2-scale=1-c-r1-t1
C3=m2-scale=2-c-r1-t1

# the order the simulators ran in: side (from the work directory) and cell
order() { sed -E 's#.*/ab-work/([AB])/bench/run/([^/]*)/rep([0-9]+)$#\3\1 \2#' "$FAKE_LOG" | tr '\n' ';'; }

# -- v1 against v2, two pairs, abba: A B, then B A
: >"$FAKE_LOG"
"$SB" ab v1 v2 suite.yaml --repo proj --pairs 2 --filter m2 --store store1 --work ab-work \
    --metrics simulation >out 2>err
want="1A $C2;1B $C2;1A $C3;1B $C3;2B $C2;2A $C2;2B $C3;2A $C3;"
[ "$(order)" = "$want" ] || { echo "abba order: $(order)"; exit 1; }
grep -q "snnbench ab: building A = v1 ([0-9a-f]\{12\}) in .*/ab-work/A/src: make -j2" err
grep -q "snnbench ab: building B = v2" err
# worktrees removed again, the repository's checkout untouched
[ "$(git -C proj worktree list | wc -l)" -eq 1 ]
[ ! -e ab-work/A/src ] && [ ! -e ab-work/B/src ]
[ "$(cat proj/speed)" = 1.2 ] && [ "$(git -C proj rev-parse HEAD)" = "$(git -C proj rev-parse v2)" ]
: >"$FAKE_LOG"
"$SB" ab v1 v2 suite.yaml --repo proj --pairs 2 --filter m2 --store store1 --work ab-work \
    --metrics simulation --order abab --quiet >out 2>err
want="1A $C2;1B $C2;1A $C3;1B $C3;2A $C2;2B $C2;2A $C3;2B $C3;"
[ "$(order)" = "$want" ] || { echo "abab order: $(order)"; exit 1; }
[ ! -s err ] # --quiet

# -- v1 against v1: built once, no difference anywhere
"$SB" ab v1 v1 suite.yaml --repo proj --pairs 5 --store store2 --json aa.json >aa 2>err
grep -q "A and B are the same commit [0-9a-f]\{12\}: built once" err
[ "$(grep -c "snnbench ab: building" err)" -eq 1 ]
V1=$(git -C proj rev-parse --short=12 v1)
V2=$(git -C proj rev-parse --short=12 v2)
grep -qx "A: v1 = $V1   B: v1 = $V1" aa
grep -q "^suite abtest, 5 pairs per cell, order abba, alpha 0.05; runs ok A 15, B 15; failed A 0, B 0$" aa
grep -qx "skipped: mp-brian2-r1-t1 (a peer does not depend on the revision)" aa
grep -qE "^cell +metric +nA +nB +median A +median B +B/A +CI +p +verdict$" aa
# construction and simulation come from run.json: the same on both sides, p = 1; build
# and total are the fake's real wall times, any verdict
for c in $C1 $C2 $C3; do
    for m in construction simulation; do
        grep -qE "^$c +$m +5 +5 .* 1 +no difference$" aa || { echo "no row $c $m"; cat aa; exit 1; }
    done
    for m in build total; do
        grep -qE "^$c +$m +5 +5 +[0-9.e-]+ s +[0-9.e-]+ s +[0-9.]+ +\[[0-9.]+, [0-9.]+\] +[0-9.e-]+ +(no difference|slower|faster)$" aa ||
            { echo "no row $c $m"; cat aa; exit 1; }
    done
done
# 1.001..1.005 on both sides: the ratios of single runs span 1.001/1.005 to 1.005/1.001, the
# interval (normal approximation for the ties: k = 3) their third smallest and largest
grep -qE "^$C1 +simulation +5 +5 +1.003 s +1.003 s +1.000 +\[0.997, 1.003\] +1 +no difference$" aa
grep -qE "^$C1 +construction +5 +5 +0.25 s +0.25 s +1.000 +\[1.000, 1.000\] +1 +no difference$" aa
grep -qE "^verdicts: [0-6] slower, [0-6] faster, ([6-9]|1[0-2]) no difference$" aa
grep -q "^geometric mean B/A: build [0-9.]* construction 1.000 simulation 1.000 total [0-9.]* (over 3 cells)$" aa
# the worst cell is the largest B/A of any cell, build and total included, whose wall times
# can give any verdict on a loaded machine (a CI run beside make asan: "slower")
grep -qE "^worst cell: .*, (no difference|slower|faster)$" aa
/usr/bin/python3 - aa.json <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["kind"] == "snnbench-ab" and j["pairs"] == 5 and j["order"] == "abba", j
assert j["a"]["commit"] == j["b"]["commit"] and len(j["a"]["commit"]) == 40
assert len(j["cells"]) == 12
for c in j["cells"]:
    assert c["n_a"] == 5 and c["n_b"] == 5, c
    if c["metric"] in ("construction", "simulation"):
        assert c["verdict"] == "no difference" and c["ratio"] == 1 and c["p"] == 1, c
assert j["fail_above"] is None and j["failing_cells"] == 0
assert j["geomean"]["simulation"] == 1 and j["geomean"]["construction"] == 1
PY

# -- v1 against v2: simulation 20 % slower, construction the same
set +e
"$SB" ab v1 v2 suite.yaml --repo proj --pairs 5 --store store3 --metrics construction,simulation \
    --fail-above 1.03 --json ab.json >ab 2>err
rc=$?
set -e
[ $rc -eq 1 ] || { echo "--fail-above 1.03: exit $rc"; cat ab err; exit 1; }
grep -qx "A: v1 = $V1   B: v2 = $V2" ab
for c in $C1 $C2 $C3; do
    grep -qE "^$c +construction +5 +5 +0.25 s +0.25 s +1.000 +\[1.000, 1.000\] +1 +no difference$" ab
    # A: 1.001..1.005, B: 1.2 times that: U = 0, p = 2/252 = 0.0079 (exact)
    grep -qE "^$c +simulation +5 +5 +1.003 s +1.204 s +1.200 +\[1.19[0-9], 1.20[0-9]\] +0.0079 +slower  FAIL$" ab ||
        { echo "row $c simulation:"; cat ab; exit 1; }
done
grep -q "(e.g. 1.03 or 3%)" <("$SB" ab --help)
grep -qx "verdicts: 3 slower, 0 faster, 3 no difference" ab
grep -qx "(6 tests at alpha 0.05: 0.3 slower or faster verdicts expected by chance alone when nothing changed)" ab
grep -qx "worst cell: $C1 simulation: B/A 1.200 \[1.19[0-9], 1.20[0-9]\], p 0.0079, slower" ab
grep -qx "FAIL: 3 cell(s) slower than B/A 1.03 with p < 0.05" ab
/usr/bin/python3 - ab.json <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
sim = [c for c in j["cells"] if c["metric"] == "simulation"]
assert len(sim) == 3 and all(c["verdict"] == "slower" and c["fails"] and c["exact"] for c in sim)
assert all(abs(c["p"] - 2 / 252) < 1e-12 and abs(c["ratio"] - 1.2) < 1e-9 for c in sim)
assert j["failing_cells"] == 3 and j["fail_above"] == 1.03 and j["worst_metric"] == "simulation"
PY
# the records: one per run, tagged with side, revision and commit
[ "$(find store3 -name '*.json' | wc -l)" -eq 30 ]
"$SB" ls --store store3 ab.side=B --columns meta.commit,ab.rev,ab.pair,cell.id >ls 2>lserr
grep -qx "15 of 30 records" lserr
[ "$(grep -c "^$V2 *v2 " ls)" -eq 15 ]
/usr/bin/python3 - store3 <<'PY'
import glob, json, sys
recs = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/**/*.json", recursive=True)]
assert len({r["ab"]["session"] for r in recs}) == 1
assert sorted(r["ab"]["position"] for r in recs) == list(range(1, 31))
for r in recs:
    ab = r["ab"]
    assert r["status"] == "ok" and ab["fresh_build"] is True and ab["order"] == "abba"
    assert r["meta"]["commit"] == ab["commit"][:12] and ab["commit"] != ab["other"]
    assert ab["rev"] == {"A": "v1", "B": "v2"}[ab["side"]]
    assert r["cell"]["reps"] == 5 and 1 <= r["rep"] == ab["pair"] <= 5
PY
# compare reads them like any records
set +e
"$SB" compare --store store3 commit="$V1" commit="$V2" >cmp
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "REGRESSION: 3 cell(s)" cmp
"$SB" ab v1 v2 suite.yaml --repo proj --pairs 5 --store store3 --metrics simulation --fail-above 25% \
    --cell $C1 --quiet >ab2
grep -qx "pass: no cell slower than B/A 1.25 with p < 0.05" ab2

# -- errors: exit 2 with the reason
expect_fail() { # "message" snnbench-args...
    local msg=$1
    shift
    set +e
    "$SB" "$@" >fout 2>ferr
    local rc=$?
    set -e
    [ $rc -eq 2 ] || { echo "exit $rc for $*"; cat ferr; exit 1; }
    grep -qF -- "$msg" ferr || { echo "no '$msg' for $*:"; cat ferr; exit 1; }
}
expect_fail "snnbench ab: error: building B (v3 = $(git -C proj rev-parse --short=12 v3)) failed (make exit 2;" \
    ab v1 v3 suite.yaml --repo proj --pairs 2
grep -q "cc: error: broken on purpose" ferr
[ "$(git -C proj worktree list | wc -l)" -eq 1 ]
expect_fail "snnbench ab: error: 'nope' is not a commit of the repository $WORK/proj" \
    ab nope v1 suite.yaml --repo proj
expect_fail "snnbench ab: error: --prebuilt-b $WORK/none: no bin/snncc (nor build/bin/snncc) there" \
    ab v1 v2 suite.yaml --repo proj --prebuilt-b "$WORK/none"
expect_fail "snnbench ab: unknown metric 'speed' (build, construction, simulation, total)" \
    ab v1 v2 suite.yaml --metrics simulation,speed
expect_fail "snnbench ab: --fail-above wants a ratio B/A such as 1.03 (or 3%), not 'x'" \
    ab v1 v2 suite.yaml --fail-above x
expect_fail "snnbench ab: expected REV_A REV_B SUITE.yaml" ab v1 suite.yaml
expect_fail "snnbench ab: error: no cell of suite.yaml to run (the filter matches none)" \
    ab v1 v2 suite.yaml --repo proj --filter nothing
[ "$(git -C proj worktree list | wc -l)" -eq 1 ]

# ---- 2. the real snncc, HEAD against HEAD, prebuilt ------------------------------------
cd "$ROOT"
"$SB" ab HEAD HEAD bench/suites/tiny.yaml --prebuilt-a "$BUILD" --prebuilt-b "$BUILD" --pairs 2 \
    --time 20 --no-rebuild --filter lif_single-c-r1-t1 --filter brunel-scale=0.05-c-r1-t1 \
    --store "$WORK/store4" --json "$WORK/real.json" >"$WORK/real" 2>"$WORK/real.err"
cd "$WORK"
H=$(git -C "$ROOT" rev-parse --short=12 HEAD)
grep -qx "A: HEAD = $H   B: HEAD = $H" real
for c in lif_single-c-r1-t1 brunel-scale=0.05-c-r1-t1; do
    for m in construction simulation total; do
        grep -qE "^$c +$m +2 +2 .* no difference$" real || { echo "no row $c $m"; cat real real.err; exit 1; }
    done
done
if grep -qE "^[^ ]+ +build " real; then exit 1; fi # --no-rebuild: no build samples
grep -qx "verdicts: 0 slower, 0 faster, 6 no difference" real
grep -q "^\*: too few pairs for 95 %" real
grep -q "^worst cell: " real
"$SB" ls --store store4 ab.side=A status=ok --columns cell.id,meta.commit >ls4 2>ls4err
grep -qx "4 of 8 records" ls4err
[ "$(grep -c " $H$" ls4)" -eq 4 ]
echo "snnbench ab: all checks passed"
