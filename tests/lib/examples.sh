# tests/lib/examples.sh - sourced by the tests that build every docs example
# (examples.sh, cuda_compile.sh).  An example whose data a script beside it makes
# (docs/examples/<name>_data.py, e.g. connectome) is copied to $WORK/exdata/<name>/ with
# its data made there, so that the tests never write into the source tree.
# example_model FILE: the path of the model file to build.
example_model() {
    local f=$1 name dir
    name=$(basename "$f" .lua)
    if [ -f "${f%.lua}_data.py" ]; then
        dir="$WORK/exdata/$name"
        mkdir -p "$dir"
        cp "$f" "$dir/"
        $PY "${f%.lua}_data.py" "$dir" >/dev/null
        echo "$dir/$name.lua"
    else
        echo "$f"
    fi
}
