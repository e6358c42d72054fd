# tests/lib/ckpt_signal.sh - sourced by the checkpoint tests that stop a running simulator by
# a signal (checkpoint.sh, checkpoint_lanes.sh, checkpoint_lanes_mpi.sh, checkpoint_rewire.sh).

# await_step DIR: wait until DIR/run.json counts a step done (120 s at most, for a loaded machine; then go on)
await_step() {
    for _ in $(seq 1 1200); do
        [ -f "$1/run.json" ] && grep -q '"steps_done": [1-9]' "$1/run.json" && break
        sleep 0.1
    done
}

# sigterm_checkpoint SIM DIR: SIM runs (almost) forever into DIR with checkpoints on (into
# DIR.ck), gets SIGTERM once it runs and must exit with status 143; sets T to the step of the
# checkpoint it wrote
sigterm_checkpoint() {
    local sim=$1 d=$2 pid st=0
    "$sim" --time 10000000 --quiet --output "$d" --set checkpoint.dir="$d.ck" &
    pid=$!
    await_step "$d"
    kill -TERM $pid
    wait $pid || st=$?
    [ "$st" -eq 143 ] || fail "SIGTERM: exit status $st, not 143"
    T=$(grep '"step"' "$d.ck/manifest.json" | tr -dc 0-9)
}
