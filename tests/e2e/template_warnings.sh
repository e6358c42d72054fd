#!/usr/bin/env bash
# The embedded templates are checked against their scopes when code is generated: a name
# in a `uses` header that a template never uses, or one it uses undeclared, is a warning
# or an error naming the template.  A merge of two branches that both edit a template's
# header (or move text into a partial) leaves such names behind; snncc must stay silent
# on every shipped model, example and CUDA test model in every option set.
set -euo pipefail
n=0
for m in models/*.lua docs/examples/*.lua tests/cuda/*.lua; do
    for opts in "" "--mpi" "-b cuda" "-b cuda --mpi" "-b cuda --cuda-construct host"; do
        # shellcheck disable=SC2086
        if ! "$SNNCC" -S $opts "$m" -o "$WORK/gen" 2>"$WORK/stderr" >/dev/null; then
            # a refusal (a feature the back end lacks) is fine; a template message is not
            :
        fi
        if grep -n "template" "$WORK/stderr"; then
            echo "snncc -S $opts $m: a template message (above)"
            exit 1
        fi
        n=$((n + 1))
    done
done
echo "no template messages in $n generations"
