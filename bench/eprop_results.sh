#!/usr/bin/env bash
# bench/eprop_results.sh - issue 15's results table (docs/performance.md "e-prop and DEEP R:
# the results table"): models/eprop_classifier.lua trained through the training loop on
# Fashion-MNIST (latency-coded) and SynthSHD, dense, static sparse and DEEP R; the PyTorch
# peer; MPI 1 against 2 ranks; callgrind instruction counts per epoch.  Each row is one
# training run with a test evaluation after every epoch; bench/eprop_results.py prints the
# table and writes one snnbench record per row (schema 1, suite "eprop_results", into
# $SNNBENCH_STORE or ./bench-store; `snnbench ls suite=eprop_results`).  Not a test.
#
#   bench/eprop_results.sh                         # every row, the subset below
#   ROWS="fm_dense fm_deepr10" bench/eprop_results.sh
#   FULL=1 bench/eprop_results.sh                  # the full data sets (60k / 10k, 8.4k / 1.7k)
#   bench/eprop_results.sh --table                 # only the table and records of the rows done
#
# DEEP R's L1 strength chosen on a validation split (not on the test set, which then gives
# the chosen one's number): bench/eprop_l1_sweep.sh (L1S="1e-8 1e-4 1e-2" ...).
#
# Knobs: N (Fashion-MNIST: the first N training images and the first min(N, 10000) test
# images, evaluated once after the last epoch; default 10000, FULL=1: 60000), E (epochs, default 2),
# FM_EVAL (Fashion-MNIST: the test set after every FM_EVAL-th epoch and after the last one,
# default E: only after the last; 1: a test accuracy per epoch), HIDDEN (Fashion-MNIST hidden LIF,
# default 128), SHD_HIDDEN (SynthSHD hidden ALIF, default 64), SHD_REPS (snncc-synthshd --reps:
# repetitions per speaker and word, default 4: 800 training / 160 test examples; FULL=1: 42),
# SHD_E (SynthSHD epochs, default E), L1 (DEEP R's L1 strength for the rows without one in
# their name, default 1e-8: mlGeNN's latency-MNIST DEEP R example), PAD (row padding, 1.0),
# THREADS (threads per run: the simulator's `threads:`, the peer's --threads, i.e.
# torch.set_num_threads; default 1), JOBS (rows run at once, default 2), NICE (default 10), P_VAR (the
# connection probability of fm_carry and fm_randfb, default 0.1), MPI_N (the mpi rows'
# training examples, default 2000), CG_N (callgrind rows: 1 epoch of
# CG_N and 2 CG_N examples, default 50), OUT (default build/eprop-results).
#
# Rows (ROWS, default all of them):
#   fm_dense fm_static10 fm_static1 fm_deepr10 fm_deepr1   Fashion-MNIST, 784 -> HIDDEN LIF
#       recurrent -> 10; static: p_in = p_rec = 0.1 / 0.01 fixed_probability; deepr: the
#       same with DEEP R (-D deepr=1 -D l1=$L1 -D pad=$PAD)
#   fm_deepr10_L1e-4 fm_deepr1_L0.01 ...   DEEP R with another L1 strength (after _L)
#   fm_carry        static P_VAR (default 0.1: against fm_static10), mlGeNN's state carried over between examples (no reset: the
#                   hidden V, refractory time, rate estimate, readout V and the synapses'
#                   filtered eligibility kept; only the readout's sums and gradients start
#                   at 0; the presynaptic traces zbar do restart, see docs/run.md)
#   fm_randfb       static P_VAR, random-feedback e-prop (-D random_feedback=1)
#   fm_peer         the PyTorch peer (bench/peers/eprop_torch.py), same examples and epochs
#   shd_dense shd_static5 shd_static1 shd_deepr5 shd_deepr1   SynthSHD, 700 -> SHD_HIDDEN
#                   ALIF recurrent -> 20, p_in = p_rec = 0.05 / 0.01
#   cg_dense cg_static1 cg_deepr1   callgrind: instructions per training example (and per
#                   function: DEEP R's share) on 1 epoch of CG_N and 2 CG_N examples
#   mpi1 mpi2       -D batch=8 built with --mpi, static 10 %, 1 vs 2 ranks (weights compared)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FULL=${FULL:-0}
if [ "$FULL" = 1 ]; then N=${N:-60000} SHD_REPS=${SHD_REPS:-42}; fi
N=${N:-10000}
NTEST=$((N < 10000 ? N : 10000))   # the data set's limit takes the first N of each file
E=${E:-2}
FM_EVAL=${FM_EVAL:-$E}
HIDDEN=${HIDDEN:-128}
SHD_HIDDEN=${SHD_HIDDEN:-64}
SHD_REPS=${SHD_REPS:-4}
SHD_E=${SHD_E:-$E}
L1=${L1:-1e-8}
PAD=${PAD:-1.0}
JOBS=${JOBS:-2}
THREADS=${THREADS:-1}
NICE=${NICE:-10}
CG_N=${CG_N:-50}
MPI_N=${MPI_N:-2000}
P_VAR=${P_VAR:-0.1}
FM=${FM:-/usr/share/datasets/fashion-mnist}
OUT=${OUT:-$BUILD/eprop-results}
PY=${PY:-/usr/bin/python3}
ALL="fm_dense fm_static10 fm_static1 fm_deepr10 fm_deepr1 fm_peer shd_dense shd_static5 \
shd_static1 shd_deepr5 shd_deepr1 fm_carry fm_randfb cg_dense cg_static1 cg_deepr1 mpi1 mpi2"
ROWS=${ROWS:-$ALL}
SNNCC="$BUILD/bin/snncc"
mkdir -p "$OUT"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
summary() {
    $PY bench/eprop_results.py "$OUT" --n "$N" --ntest "$NTEST" --epochs "$E" \
        --shd-epochs "$SHD_E" --cg-n "$CG_N" --threads "$THREADS"
}
if [ "${1:-}" = --table ]; then summary; exit 0; fi
for f in train-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz; do
    [ -f "$FM/$f" ] || { echo "bench/eprop_results.sh: $FM/$f is missing (apt-get install \
dataset-fashion-mnist, or FM=dir)" >&2; exit 2; }
done

# the SynthSHD set, made once per SHD_REPS (deterministic for the seed)
SHD="$OUT/synthshd-r$SHD_REPS"
need_shd=0
for r in $ROWS; do case $r in shd_*) need_shd=1 ;; esac; done
if [ "$need_shd" = 1 ] && [ ! -f "$SHD/synthshd_test.h5" ]; then
    echo "making SynthSHD --reps $SHD_REPS in $SHD"
    nice -n "$NICE" "$BUILD/bin/snncc-synthshd" --reps "$SHD_REPS" --seed 1 --threads "$JOBS" \
        --quiet --out "$SHD"
fi

# row NAME: its model options (-D ...), its data and its run config into $OUT/NAME
fm_yaml() { # fm_yaml DIR RESET KEEP LIMIT EPOCHS [EVERY] (the test set after every EVERY-th
    # epoch and the last; EVERY defaults to EPOCHS: once, after the last epoch)
    cat >"$1/train.yaml" <<EOF
train:
  epochs: $5
  train: { In: $FM/train-images-idx3-ubyte.gz }
  test: { In: $FM/t10k-images-idx3-ubyte.gz }
  shuffle: false                # file order, as the PyTorch peer
  evaluate_every: ${6:-$5}
  reset: $2
  keep: [$3]
  groups: { batch_end: [Learn] }
  metrics: { output: Out.pi_sum, loss: Out.ce }
  save: { dir: $1/weights, vars: [IH.w, HH.w, HO.w, Out.b] }
datasets: { In: { encode: log_latency, tau: 20, threshold: 51, limit: $4 } }
threads: $THREADS
EOF
}
row() {
    local name=$1 d="$OUT/$1" p=1 deepr=0 l1=$L1 keep="Out.b" fb=0 set=fm
    rm -rf "$d"
    mkdir -p "$d"
    case $name in
        fm_dense | cg_dense) ;;
        fm_static10) p=0.1 ;;
        fm_static1 | cg_static1) p=0.01 ;;
        fm_deepr10*) p=0.1 deepr=1 ;;
        fm_deepr1*) p=0.01 deepr=1 ;;
        cg_deepr1) p=0.01 deepr=1 ;;
        fm_carry) p=$P_VAR keep="Out.b, Out.V, H.V, H.refrac, H.f, IH.ebar, HH.ebar" ;;
        fm_randfb) p=$P_VAR fb=1 ;;
        shd_dense) set=shd ;;
        shd_static5) set=shd p=0.05 ;;
        shd_static1) set=shd p=0.01 ;;
        shd_deepr5) set=shd p=0.05 deepr=1 ;;
        shd_deepr1) set=shd p=0.01 deepr=1 ;;
        *) echo "bench/eprop_results.sh: unknown row '$name' (rows: $ALL)" >&2; return 2 ;;
    esac
    case $name in *_L*) l1=${name##*_L} ;; esac
    local defs=(-D p_in=$p -D p_rec=$p)
    [ "$fb" = 0 ] || defs+=(-D random_feedback=1)
    [ "$deepr" = 0 ] || defs+=(-D deepr=1 -D l1="$l1" -D pad="$PAD")
    if [ "$set" = fm ]; then
        defs+=(-D inputs=784 -D classes=10 -D hidden="$HIDDEN" -D alif=0)
    else
        defs+=(-D inputs=700 -D classes=20 -D hidden="$SHD_HIDDEN" -D alif=1)
    fi
    local cflags=()
    case $name in cg_*) cflags=(--cflags "-O3 -march=x86-64-v3 -fno-math-errno \
-fno-trapping-math -ffp-contract=off -fopenmp -g") ;; esac
    nice -n "$NICE" "$SNNCC" -q "${cflags[@]}" models/eprop_classifier.lua "${defs[@]}" -o "$d/sim"
    echo "snncc models/eprop_classifier.lua ${defs[*]}" >"$d/build.txt"
    local reset=example
    if [ "$set" = fm ]; then
        case $name in
            cg_*)
                for n in "$CG_N" $((2 * CG_N)); do
                    mkdir -p "$d/cg$n"
                    fm_yaml "$d/cg$n" "$reset" "$keep" "$n" 1
                    sed -i -e 's/^  test:.*//' -e 's/evaluate_every: 1/evaluate_every: 0/' "$d/cg$n/train.yaml"
                    nice -n "$NICE" valgrind --tool=callgrind --callgrind-out-file="$d/cg$n.out" \
                        "$d/sim/eprop_classifier" --config "$d/cg$n/train.yaml" --output "$d/cg$n/out" \
                        --quiet 2>"$d/cg$n.log"
                done
                return 0 ;;
        esac
        fm_yaml "$d" "$reset" "$keep" "$N" "$E" "$FM_EVAL"
    else
        cat >"$d/train.yaml" <<EOF
train:
  epochs: $SHD_E
  train: { In: $SHD/synthshd_train.h5 }
  test: { In: $SHD/synthshd_test.h5 }
  shuffle: true
  evaluate_every: 1
  reset: $reset
  keep: [$keep]
  groups: { batch_end: [Learn] }
  metrics: { output: Out.pi_sum, loss: Out.ce }
  save: { dir: $d/weights, vars: [IH.w, HH.w, HO.w, Out.b] }
threads: $THREADS
EOF
    fi
    echo "$d/sim/eprop_classifier --config $d/train.yaml --output $d/out" >"$d/run.txt"
    nice -n "$NICE" /usr/bin/time -f "%U %S %e %M" -o "$d/time.txt" \
        "$d/sim/eprop_classifier" --config "$d/train.yaml" --output "$d/out" --quiet \
        >"$d/log.txt" 2>&1
}
peer() {
    local d="$OUT/fm_peer"
    rm -rf "$d"
    mkdir -p "$d"
    echo "$PY bench/peers/eprop_torch.py --n $N --ntest $NTEST --epochs $E --hidden $HIDDEN \
--threads $THREADS --batch 1" >"$d/run.txt"
    nice -n "$NICE" /usr/bin/time -f "%U %S %e %M" -o "$d/time.txt" \
        $PY bench/peers/eprop_torch.py --n "$N" --ntest "$NTEST" --epochs "$E" \
        --hidden "$HIDDEN" --threads "$THREADS" --batch 1 >"$d/log.txt" 2>&1
}
mpi() { # mpi1 / mpi2: data-parallel lanes over ranks, static 10 %, batch 8
    local name=$1 r=${1#mpi} d="$OUT/$1"
    rm -rf "$d"
    mkdir -p "$d"
    nice -n "$NICE" "$SNNCC" -q --mpi models/eprop_classifier.lua -D inputs=784 -D classes=10 \
        -D hidden="$HIDDEN" -D alif=0 -D p_in=0.1 -D p_rec=0.1 -D batch=8 -o "$d/sim"
    fm_yaml "$d" example "Out.b" "$MPI_N" 1
    sed -i -e 's/batch_end: \[Learn\]/batch_end: [GradSum, Learn]/' -e 's/^  epochs: 1/  epochs: 1\n  batch: 8/' \
        -e 's/^  test:.*//' -e 's/evaluate_every: 1/evaluate_every: 0/' "$d/train.yaml"
    echo "mpirun -np $r $d/sim/eprop_classifier --config $d/train.yaml --output $d/out" >"$d/run.txt"
    nice -n "$NICE" /usr/bin/time -f "%U %S %e %M" -o "$d/time.txt" \
        mpirun -np "$r" --oversubscribe "$d/sim/eprop_classifier" --config "$d/train.yaml" \
        --output "$d/out" --quiet >"$d/log.txt" 2>&1
}
one() {
    case $1 in
        fm_peer) peer ;;
        mpi*) mpi "$1" ;;
        *) row "$1" ;;
    esac && echo "done $1 ($(date -u +%H:%M))" || echo "FAILED $1: see $OUT/$1/log.txt"
}
echo "rows: $ROWS; N=$N NTEST=$NTEST E=$E HIDDEN=$HIDDEN SHD_HIDDEN=$SHD_HIDDEN SHD_REPS=$SHD_REPS \
FM_EVAL=$FM_EVAL JOBS=$JOBS THREADS=$THREADS; load: $(uptime)"
running=0
for r in $ROWS; do
    one "$r" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
echo "load after: $(uptime)"
summary
