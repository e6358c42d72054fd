#!/usr/bin/env bash
# tests/run.sh - the whole test suite: CMocka unit tests, the broken-model suite and the
# end-to-end tests (generated simulators built and run).  `make test` calls it after
# building; BUILD names the build directory.  Prints one line per test and closes with
# "N passed, N failed".  Usage: tests/run.sh [unit|errors|e2e|e2e/NAME]...
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export SNNCC="$PWD/$BUILD/bin/snncc"
export PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
LOGS="$BUILD/test-logs"
mkdir -p "$LOGS"
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit errors e2e)

pass=0
fail=0
failed=()

report() { # name status log
    if [ "$2" -eq 0 ]; then
        pass=$((pass + 1))
        printf '  ok    %s\n' "$1"
    else
        fail=$((fail + 1))
        failed+=("$1")
        printf '  FAIL  %s (exit %s; log %s)\n' "$1" "$2" "$3"
        tail -n 25 "$3" | sed 's/^/        | /'
    fi
}

run_unit() {
    echo "unit tests (CMocka)"
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        log="$LOGS/$name.log"
        "$t" >"$log" 2>&1
        report "unit/$name" $? "$log"
    done
}

# tests/errors/*.lua: the first lines say what must happen:
#   -- expect: LINE: error: MESSAGE     (stderr must contain "<file>:LINE: error: MESSAGE")
#   -- expect-any: TEXT                 (stderr must contain TEXT)
#   -- run: ARGS                        (compile, then run the simulator with ARGS; the
#                                        run must fail with the expected message)
#   -- snncc: ARGS                      (extra snncc options)
run_errors() {
    echo "broken models (tests/errors)"
    for f in tests/errors/*.lua; do
        name=$(basename "$f" .lua)
        log="$LOGS/errors-$name.log"
        out="$BUILD/errors/$name"
        rm -rf "$out"
        mkdir -p "$out"
        runargs=$(sed -n 's/^-- run: //p' "$f" | head -n 1)
        ccargs=$(sed -n 's/^-- snncc: //p' "$f" | head -n 1)
        if [ -n "$runargs" ]; then
            "$SNNCC" -q "$f" -o "$out" >"$log" 2>&1 || { report "errors/$name" 1 "$log"; continue; }
            # shellcheck disable=SC2086
            sim=$(find "$out" -maxdepth 1 -type f -perm -u+x | head -n 1)
            timeout 60 "$sim" $runargs --output "$out/run" \
                >"$out/stdout" 2>"$out/stderr"
        else
            # shellcheck disable=SC2086
            timeout 60 "$SNNCC" --check $ccargs "$f" >"$out/stdout" 2>"$out/stderr"
        fi
        st=$?
        ok=1
        { echo "exit status $st"; echo "--- stderr:"; cat "$out/stderr"; } >>"$log"
        if [ "$st" -eq 0 ] || [ "$st" -ge 124 ]; then
            echo "expected a clean failure (exit 1), got $st" >>"$log"
            ok=0
        fi
        n_expect=0
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
        report "errors/$name" $((1 - ok)) "$log"
    done
}

run_e2e() { # [tests/e2e/NAME.sh...]
    echo "end to end (tests/e2e)"
    local list=("$@")
    [ ${#list[@]} -eq 0 ] && list=(tests/e2e/*.sh)
    for t in "${list[@]}"; do
        name=$(basename "$t" .sh)
        log="$LOGS/e2e-$name.log"
        export WORK="$PWD/$BUILD/e2e/$name"
        rm -rf "$WORK"
        mkdir -p "$WORK"
        bash "$t" >"$log" 2>&1
        report "e2e/$name" $? "$log"
    done
}

for s in "${suites[@]}"; do
    case "$s" in
    unit) run_unit ;;
    errors) run_errors ;;
    e2e) run_e2e ;;
    e2e/*)
        if [ -f "tests/$s.sh" ]; then run_e2e "tests/$s.sh"; else
            echo "tests/run.sh: no test tests/$s.sh" >&2; exit 2; fi ;;
    *) echo "tests/run.sh: unknown suite '$s'" >&2; exit 2 ;;
    esac
done

if [ "$fail" -gt 0 ]; then
    echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
