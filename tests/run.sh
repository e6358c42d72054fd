#!/usr/bin/env bash
# tests/run.sh - the whole test suite: CMocka unit tests, the broken-model suite and the
# end-to-end tests (generated simulators built and run).  `make test` calls it after
# building; BUILD names the build directory.  Prints one line per test and closes with
# "N passed, N failed".  Usage: tests/run.sh [unit|errors|e2e|e2e/NAME]...
#
# Tests run concurrently: TEST_JOBS (default: the number of CPUs, `nproc`) slots.  The
# lines still come in the order of the list above (each printed as soon as it and all
# before it are done).  An end-to-end test may say, in a line of its own:
#   # test: weight N    it keeps N slots busy (MPI runs with N ranks, N threads)
#   # test: serial      it runs alone, after all the others (it measures time, threads
#                       or CPU use and would be disturbed by its neighbours)
# Every test has its own log ($BUILD/test-logs/), scratch directory ($BUILD/e2e/NAME,
# $BUILD/errors/NAME) and TMPDIR (removed after it).  The seconds each test took go to $BUILD/test-times.txt (slowest
# first; a partial run updates its own tests' lines); the next run starts the slowest first
# (without that file, with build/test-times.txt: `make asan` after `make test`).
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export SNNCC="$PWD/$BUILD/bin/snncc"
export PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# The simulators' default of the run config 'blocks' (docs/run.md): as many thread blocks
# as threads, so that a test run with threads=2 or 3 tests that many blocks whatever the
# model's size (blocks: auto would give a small test model one); a test of 'auto' sets
# SNN_BLOCKS=auto for its runs (tests/e2e/blocks_auto.sh).
export SNN_BLOCKS=threads
LOGS="$BUILD/test-logs"
RES="$BUILD/test-results"
TIMES="$BUILD/test-times.txt"
mkdir -p "$LOGS"
rm -rf "$RES"
mkdir -p "$RES"
JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case "$JOBS" in '' | *[!0-9]* | 0)
    echo "tests/run.sh: TEST_JOBS must be a positive number, not '$JOBS'" >&2; exit 2 ;;
esac
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit errors e2e)

# ---- the list: one entry per test (or suite heading), in the order of the output ------
kind=() name=() arg=() weight=() serial=()
add() { # KIND NAME ARG [WEIGHT SERIAL]
    kind+=("$1"); name+=("$2"); arg+=("$3"); weight+=("${4:-1}"); serial+=("${5:-0}")
}
list_unit() {
    add head "unit tests (CMocka)" ""
    local t
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        add unit "unit/$(basename "$t")" "$t"
    done
}
list_errors() {
    add head "broken models (tests/errors)" ""
    local f
    for f in tests/errors/*.lua; do
        add errors "errors/$(basename "$f" .lua)" "$f"
    done
}
list_e2e() { # [tests/e2e/NAME.sh...]
    add head "end to end (tests/e2e)" ""
    local list=("$@") t w s
    [ ${#list[@]} -eq 0 ] && list=(tests/e2e/*.sh)
    for t in "${list[@]}"; do
        w=$(sed -n 's/^# test: weight \([0-9][0-9]*\).*/\1/p' "$t" | head -n 1)
        s=0
        grep -q '^# test: serial' "$t" && s=1
        add e2e "e2e/$(basename "$t" .sh)" "$t" "${w:-1}" "$s"
    done
}
for s in "${suites[@]}"; do
    case "$s" in
    unit) list_unit ;;
    errors) list_errors ;;
    e2e) list_e2e ;;
    e2e/*)
        if [ -f "tests/$s.sh" ]; then list_e2e "tests/$s.sh"; else
            echo "tests/run.sh: no test tests/$s.sh" >&2; exit 2; fi ;;
    *) echo "tests/run.sh: unknown suite '$s'" >&2; exit 2 ;;
    esac
done

# ---- one test (run in the background; leaves "STATUS MILLISECONDS" in $RES/INDEX) -----
# tests/errors/*.lua: the first lines say what must happen:
#   -- expect: LINE: error: MESSAGE     (stderr must contain "<file>:LINE: error: MESSAGE")
#   -- expect-any: TEXT                 (stderr must contain TEXT)
#   -- run: ARGS                        (compile, then run the simulator with ARGS; the
#                                        run must fail with the expected message)
#   -- snncc: ARGS                      (extra snncc options)
errors_one() { # FILE LOG
    local f=$1 log=$2 n out runargs ccargs sim st ok=1 n_expect=0 e
    n=$(basename "$f" .lua)
    out="$BUILD/errors/$n"
    rm -rf "$out"
    mkdir -p "$out"
    runargs=$(sed -n 's/^-- run: //p' "$f" | head -n 1)
    ccargs=$(sed -n 's/^-- snncc: //p' "$f" | head -n 1)
    # (the timeout only catches a hang: endless_loop.lua's 10^9 Lua instructions take 20 s
    # on a loaded machine and over 60 s with other tests beside it)
    if [ -n "$runargs" ]; then
        "$SNNCC" -q "$f" -o "$out" >"$log" 2>&1 || return 1
        sim=$(find "$out" -maxdepth 1 -type f -perm -u+x | head -n 1)
        # shellcheck disable=SC2086
        timeout 300 "$sim" $runargs --output "$out/run" \
            >"$out/stdout" 2>"$out/stderr"
    else
        # shellcheck disable=SC2086
        timeout 300 "$SNNCC" --check $ccargs "$f" >"$out/stdout" 2>"$out/stderr"
    fi
    st=$?
    { echo "exit status $st"; echo "--- stderr:"; cat "$out/stderr"; } >>"$log"
    if [ "$st" -eq 0 ] || [ "$st" -ge 124 ]; then
        echo "expected a clean failure (exit 1), got $st" >>"$log"
        ok=0
    fi
    while IFS= read -r e; do
        n_expect=$((n_expect + 1))
        if ! grep -qF -- "$f:$e" "$out/stderr"; then
            echo "missing: $f:$e" >>"$log"
            ok=0
        fi
    done < <(sed -n 's/^-- expect: //p' "$f")
    while IFS= read -r e; do
        n_expect=$((n_expect + 1))
        if ! grep -qF -- "$e" "$out/stderr"; then
            echo "missing: $e" >>"$log"
            ok=0
        fi
    done < <(sed -n 's/^-- expect-any: //p' "$f")
    [ "$n_expect" -gt 0 ] || { echo "no '-- expect:' line in $f" >>"$log"; ok=0; }
    return $((1 - ok))
}

logof() { # INDEX
    local n=${name[$1]}
    case "${kind[$1]}" in
    unit) echo "$LOGS/${n#unit/}.log" ;;
    errors) echo "$LOGS/errors-${n#errors/}.log" ;;
    e2e) echo "$LOGS/e2e-${n#e2e/}.log" ;;
    esac
}

run_one() { # INDEX
    local i=$1 log t0 t1 st
    log=$(logof "$i")
    # a temporary directory of its own: Open MPI's session directory (TMPDIR/ompi.HOST.UID)
    # is one per user, and mpiruns started at once race to create and remove it
    # ("A call to mkdir was unable to create the desired directory ... File exists")
    TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/snncc-test.XXXXXX")
    export TMPDIR
    t0=${EPOCHREALTIME/[.,]/}
    case "${kind[$i]}" in
    unit) "${arg[$i]}" >"$log" 2>&1 ;;
    errors) errors_one "${arg[$i]}" "$log" ;;
    e2e)
        export WORK="$PWD/$BUILD/e2e/${name[$i]#e2e/}"
        rm -rf "$WORK"
        mkdir -p "$WORK"
        bash "${arg[$i]}" >"$log" 2>&1 ;;
    esac
    st=$?
    t1=${EPOCHREALTIME/[.,]/}
    rm -rf "$TMPDIR"
    echo "$st $(((t1 - t0) / 1000))" >"$RES/$i.tmp" && mv "$RES/$i.tmp" "$RES/$i"
}

# ---- printing, in list order ----------------------------------------------------------
pass=0
fail=0
failed=()
next=0
flush() {
    local st ms log
    while [ "$next" -lt ${#kind[@]} ]; do
        if [ "${kind[$next]}" = head ]; then
            echo "${name[$next]}"
        else
            [ -f "$RES/$next" ] || return 0
            read -r st ms <"$RES/$next"
            printf '%d.%d %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "${name[$next]}" >>"$RES/times"
            log=$(logof "$next")
            if [ "$st" -eq 0 ]; then
                pass=$((pass + 1))
                printf '  ok    %s\n' "${name[$next]}"
            else
                fail=$((fail + 1))
                failed+=("${name[$next]}")
                printf '  FAIL  %s (exit %s; log %s)\n' "${name[$next]}" "$st" "$log"
                tail -n 25 "$log" | sed 's/^/        | /'
            fi
        fi
        next=$((next + 1))
    done
}

# ---- scheduling: the slowest of the last run first, serial ones at the end -------------
declare -A prev=()
hint=$TIMES
[ -f "$hint" ] || hint=build/test-times.txt # e.g. make asan after make test
if [ -f "$hint" ]; then
    # tenths of a second, base 10 ("0.9" -> 09 -> 9, not an octal number)
    while read -r sec n; do v=${sec/./}; [[ $v =~ ^[0-9]+$ ]] && prev[$n]=$((10#$v)); done <"$hint"
fi
order=()
late=()
for ((i = 0; i < ${#kind[@]}; i++)); do
    [ "${kind[$i]}" = head ] && continue
    if [ "${serial[$i]}" -eq 1 ]; then late+=("$i"); else
        # unknown tests (new ones) first, then by the last run's time, slowest first
        order+=("$(printf '%012d %05d' "${prev[${name[$i]}]:-999999999999}" "$i")")
    fi
done
if [ ${#order[@]} -gt 0 ]; then
    mapfile -t order < <(printf '%s\n' "${order[@]}" | sort -k1,1nr -k2,2n | sed 's/.* 0*//;s/^$/0/')
fi

declare -A running=() pid=()
used=0
reap() { # frees the slots of finished tests
    local i
    for i in "${!running[@]}"; do
        if [ -f "$RES/$i" ] || ! kill -0 "${pid[$i]}" 2>/dev/null; then
            [ -f "$RES/$i" ] || echo "125 0" >"$RES/$i" # died without a word
            used=$((used - running[$i]))
            unset "running[$i]"
        fi
    done
}
wait_one() {
    wait -n 2>/dev/null
    reap
    flush
}
start() { # INDEX SLOTS
    run_one "$1" &
    pid[$1]=$!
    running[$1]=$2
    used=$((used + $2))
}
for i in "${order[@]}"; do
    w=${weight[$i]}
    [ "$w" -gt "$JOBS" ] && w=$JOBS
    while [ $((used + w)) -gt "$JOBS" ]; do wait_one; done
    start "$i" "$w"
done
for i in "${late[@]}"; do
    while [ ${#running[@]} -gt 0 ]; do wait_one; done
    start "$i" "$JOBS"
done
while [ ${#running[@]} -gt 0 ]; do wait_one; done
flush
# a test whose result never came (its result file could not be written, e.g. the build
# directory vanished) is a failure, never a silent skip
while [ "$next" -lt ${#kind[@]} ]; do
    if [ "${kind[$next]}" != head ] && [ ! -f "$RES/$next" ]; then
        echo "125 0" >"$RES/$next" 2>/dev/null || {
            fail=$((fail + 1))
            failed+=("${name[$next]}")
            printf '  FAIL  %s (no result: %s is not writable)\n' "${name[$next]}" "$RES"
            next=$((next + 1))
            continue
        }
    fi
    flush
done

if [ -f "$RES/times" ]; then
    # this run's times replace the last ones of the same tests; the others are kept
    { cat "$RES/times"; [ -f "$TIMES" ] && cat "$TIMES"; } | sort -s -u -k2,2 |
        sort -k1,1nr -k2 >"$RES/merged" && mv "$RES/merged" "$TIMES"
    echo "slowest tests (seconds; all in $TIMES):"
    sort -k1,1nr -k2 "$RES/times" | head -n 10 | sed 's/^/  /'
fi
if [ "$fail" -gt 0 ]; then
    echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed"
if [ $((pass + fail)) -eq 0 ]; then
    echo "tests/run.sh: no test ran" >&2
    exit 1
fi
[ "$fail" -eq 0 ]
