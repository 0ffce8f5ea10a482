#!/usr/bin/env bash
# HyperPETSc performance benchmark (see bench/README.md).
#
#   bench/run_benchmark.sh [-n RUNS] [--ranks "1"] [--lambdas "0 -6"] [--tk "50 100"]
#                          [--config FILE] [--no-pytorch] [--pytorch-repeat R]
#                          [--quick] [--wait-idle SECONDS] [-- PETSC_OPTIONS...]
#
# Builds what it needs, then measures, interleaving everything RUNS times (default 5; the
# best of RUNS is kept with the spread, because the machine is shared and timings noisy):
#   - STREAM triad at each rank count (build/bench/stream_triad);
#   - `hyperpetsc hypergrad CONFIG` for every point (λ₀ from --lambdas, t = k from --tk),
#     method aid_cg and itd, rank count from --ranks, with -log_view to a file and --json
#     (plus any PETSC_OPTIONS after --);
#   - once per point and method (1 rank): the PyTorch reference (bench/pytorch_hypergrad.py,
#     one thread) on the same data (written by build/bench/dump_dataset), checked against
#     HyperPETSc's hypergradient; at the headline point (λ₀ = −6, t = k = 50, aid_cg) the
#     best of R repetitions inside the one process (--pytorch-repeat, default 3).
# --quick: n = 1, the headline point only, PyTorch aid_cg only (once): for testing.
# Before each timed run it waits (up to --wait-idle seconds, default 30; 0 = never) until
# the other processes on the machine use less than 20 % of the CPUs.
# Writes a Markdown report to stdout and to bench/results/latest.md; raw outputs (JSON,
# -log_view files, per-rank CPU shares, the dumped data, the measured copies of the
# binaries) stay in bench/results/work/.
#
# Environment: BUILD_DIR (default build), PYTHON_TORCH (default /usr/bin/python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

RUNS=5
RANKS="1"
LAMBDAS="0 -6"
TKS="50 100"
CONFIG=bench/configs/news20_like.yaml
PYTORCH=1
PT_REPEAT=3
PT_METHODS="aid_cg itd"
WAIT_IDLE=30
QUICK=0
# The headline point of issue 8's "Done when" table (PyTorch repeats there).
HEAD_LAMBDA=-6
HEAD_TK=50
EXTRA=()
SET_RUNS="" SET_PT_REPEAT=""
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--runs) SET_RUNS="$2"; shift 2 ;;
    --ranks) RANKS="$2"; shift 2 ;;
    --lambdas) LAMBDAS="$2"; shift 2 ;;
    --tk) TKS="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --no-pytorch) PYTORCH=0; shift ;;
    --pytorch-repeat) SET_PT_REPEAT="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --wait-idle) WAIT_IDLE="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run_benchmark.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  RUNS=1 PT_REPEAT=1 LAMBDAS=$HEAD_LAMBDA TKS=$HEAD_TK PT_METHODS=aid_cg
fi
RUNS=${SET_RUNS:-$RUNS}
# shellcheck disable=SC2086 # word splitting normalises the lists' blanks
RANKS=$(echo $RANKS) LAMBDAS=$(echo $LAMBDAS) TKS=$(echo $TKS)
PT_REPEAT=${SET_PT_REPEAT:-$PT_REPEAT}
positive() { case "$1" in ''|*[!0-9]*|0) return 1 ;; esac; }
positive "$RUNS" || { echo "run_benchmark.sh: -n needs a positive integer" >&2; exit 2; }
positive "$PT_REPEAT" || { echo "run_benchmark.sh: --pytorch-repeat needs a positive integer" >&2; exit 2; }
case "$WAIT_IDLE" in ''|*[!0-9]*) echo "run_benchmark.sh: --wait-idle needs seconds" >&2; exit 2 ;; esac
[ -f "$CONFIG" ] || { echo "run_benchmark.sh: no config $CONFIG" >&2; exit 2; }
for n in $RANKS; do positive "$n" || { echo "run_benchmark.sh: --ranks needs positive integers, got '$n'" >&2; exit 2; }; done
for tk in $TKS; do positive "$tk" || { echo "run_benchmark.sh: --tk needs positive integers (t = k), got '$tk'" >&2; exit 2; }; done
for l in $LAMBDAS; do
  [[ "$l" =~ ^-?[0-9]+([.][0-9]+)?$ ]] || { echo "run_benchmark.sh: --lambdas needs numbers like 0 -6 -4.5, got '$l'" >&2; exit 2; }
done
[ -n "$RANKS" ] && [ -n "$TKS" ] && [ -n "$LAMBDAS" ] || { echo "run_benchmark.sh: --ranks, --lambdas and --tk need at least one value" >&2; exit 2; }

BUILD=${BUILD_DIR:-build}
PY=${PYTHON_TORCH:-/usr/bin/python3}
WORK=bench/results/work
MPI=tests/run_mpi.sh
mkdir -p "$WORK"
rm -f "$WORK"/*.json "$WORK"/*.log "$WORK"/*.txt "$WORK"/*.cpu

log() { echo "[run_benchmark] $*" >&2; }
# Runs a command from the repository root and records it in commands.txt.
run() {
  echo "$*" >> "$WORK/commands.txt"
  "$@"
}
# Per-rank CPU share (%P of GNU time: (user+sys)/wall) and involuntary context switches,
# appended to FILE: a rank that got much less than 100 % was sharing its core.
TIMER=()
if [ -x /usr/bin/time ]; then TIMER_OK=1; else TIMER_OK=0; fi
timer() {
  if [ "$TIMER_OK" = 1 ]; then TIMER=(/usr/bin/time -a -o "$1" -f "cpu=%P wall=%e involuntary_switches=%c"); else TIMER=(); fi
}
# Percentage of all CPUs busy over one second (from /proc/stat).
cpu_busy_percent() {
  local a b
  read -r -a a < /proc/stat
  sleep 1
  read -r -a b < /proc/stat
  local t1=0 t2=0 i
  for i in 1 2 3 4 5 6 7 8; do t1=$((t1 + a[i])); t2=$((t2 + b[i])); done
  local idle=$(((b[4] + b[5]) - (a[4] + a[5]))) total=$((t2 - t1))
  [ "$total" -gt 0 ] || { echo 0; return; }
  echo $((100 * (total - idle) / total))
}
wait_for_idle() {
  [ "$WAIT_IDLE" -gt 0 ] || return 0
  local waited=0 busy
  while busy=$(cpu_busy_percent); [ "$busy" -gt 20 ]; do
    if [ "$waited" -ge "$WAIT_IDLE" ]; then
      log "CPUs still ${busy} % busy after ${waited} s: measuring anyway"
      echo "busy_start $1 ${busy}%" >> "$WORK/busy.txt"
      return 0
    fi
    sleep 4
    waited=$((waited + 5))
  done
}

# --- build ---------------------------------------------------------------------------
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  log "configuring $BUILD"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >&2
fi
log "building"
cmake --build "$BUILD" -j2 --target hyperpetsc stream_triad dump_dataset >&2
# Others may rebuild $BUILD while this runs: measure private copies of the binaries.
BIN="$WORK/bin"
mkdir -p "$BIN"
cp "$BUILD/hyperpetsc" "$BUILD/bench/stream_triad" "$BUILD/bench/dump_dataset" "$BIN/"

{
  echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem_gib=$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
  echo "caches=$(lscpu 2>/dev/null | awk -F: '/L2 cache|L3 cache/ {gsub(/^ +/, "", $2); printf "%s %s; ", $1, $2}')"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "built=$(date -u -r "$BIN/hyperpetsc" '+%Y-%m-%d %H:%M:%S UTC')"
  echo "dirty=$(git status --porcelain 2>/dev/null | grep -v '^??' | grep -vc ' bench/' || true)"
  echo "petsc=$(pkg-config --modversion PETSc 2>/dev/null || echo unknown)"
  echo "mpi=$(mpirun --version 2>/dev/null | head -1)"
  echo "config=$CONFIG"
  echo "runs=$RUNS"
  echo "ranks=$RANKS"
  echo "lambdas=$LAMBDAS"
  echo "tks=$TKS"
  echo "headline=$HEAD_LAMBDA $HEAD_TK"
  echo "quick=$QUICK"
  echo "pytorch_repeat=$PT_REPEAT"
  echo "wait_idle=$WAIT_IDLE"
  echo "extra_options=${EXTRA[*]:-}"
} > "$WORK/env.txt"

# --- timed runs, interleaved ---------------------------------------------------------
# One point = (λ₀, t = k); file names carry ranks, λ₀, t = k and the run number:
# hp_<method>_r<ranks>_l<λ₀>_tk<t>_run<r>.json (summarize_benchmark.py parses them).
HP="$BIN/hyperpetsc"
point_args() {  # λ₀ t=k -> the --set options of that point
  echo "--set hyperparameters.init=$1 --set inner.iterations=$2 --set hypergradient.iterations=$2"
}
for ((r = 1; r <= RUNS; r++)); do
  for n in $RANKS; do
    wait_for_idle "stream_r${n}_run${r}"
    log "run $r/$RUNS: STREAM triad, $n rank(s)"
    run "$MPI" "$n" "$BIN/stream_triad" > "$WORK/stream_r${n}_run${r}.txt"
    for l in $LAMBDAS; do
      for tk in $TKS; do
        for m in aid_cg itd; do
          name="hp_${m}_r${n}_l${l}_tk${tk}_run${r}"
          base="$WORK/$name"
          wait_for_idle "$name"
          log "run $r/$RUNS: $m, λ₀ = $l, t = k = $tk, $n rank(s)"
          timer "$base.cpu"
          # shellcheck disable=SC2046 # point_args is meant to split into words
          run "$MPI" "$n" "${TIMER[@]}" "$HP" hypergrad "$CONFIG" --set hypergradient.method=$m \
            $(point_args "$l" "$tk") --json "$base.json" -log_view ":$base.log" "${EXTRA[@]}" > "$base.txt"
        done
      done
    done
  done
done

# --- data and PyTorch reference ------------------------------------------------------
# The exact training/validation data (for nnz in the bandwidth model and for PyTorch).
log "dumping the data set"
mkdir -p "$WORK/data"
run "$MPI" 1 "$BIN/dump_dataset" "$CONFIG" "$WORK/data" >&2
if [ "$PYTORCH" = 1 ] && ! "$PY" -c 'import torch, numpy' 2>/dev/null; then
  log "$PY lacks torch/numpy: skipping the PyTorch reference"
  PYTORCH=0
fi
if [ "$PYTORCH" = 1 ]; then
  # PyTorch runs one thread on one core: compared with HyperPETSc at the first rank count.
  FIRST_RANKS=${RANKS%% *}
  WBYTES=$("$PY" -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["features"] * m["classes"] * 8)' "$WORK/data/meta.json")
  for l in $LAMBDAS; do
    for tk in $TKS; do
      for m in $PT_METHODS; do
        ref="$WORK/hp_${m}_r${FIRST_RANKS}_l${l}_tk${tk}_run1.json"
        ETA=$("$PY" -c 'import json, sys; print(repr(json.load(open(sys.argv[1]))["step_size"]))' "$ref")
        rep=1
        if [ "$m" = aid_cg ] && [ "$tk" = "$HEAD_TK" ] && awk -v a="$l" -v b="$HEAD_LAMBDA" 'BEGIN { exit !(a + 0 == b + 0) }'; then
          rep=$PT_REPEAT
        fi
        name="pt_${m}_l${l}_tk${tk}"
        # The machine is shared: do not start a run that would push others into the OOM
        # killer. PyTorch's ITD graph keeps ~2 W-sized tensors per step (measured 37 MB per
        # step here), AID a few; plus ~1 GB for the interpreter, torch and the data.
        wsized=8; [ "$m" = itd ] && wsized=$((2 * tk))
        need_mb=$((1000 + wsized * WBYTES / 1000000))
        avail_mb=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
        if [ $((need_mb + 1000)) -gt "$avail_mb" ]; then
          log "skipping PyTorch $m, λ₀ = $l, t = k = $tk: needs ~${need_mb} MB, ${avail_mb} MB available"
          echo "$name needs ~${need_mb} MB, ${avail_mb} MB available" >> "$WORK/skipped.txt"
          continue
        fi
        wait_for_idle "$name"
        log "PyTorch $m, λ₀ = $l, t = k = $tk (one thread, best of $rep)"
        timer "$WORK/$name.cpu"
        run "${TIMER[@]}" "$PY" bench/pytorch_hypergrad.py --data "$WORK/data" --method $m \
          --step-size "$ETA" --init "$l" --t "$tk" --k "$tk" --repeat "$rep" \
          --reference "$ref" --json "$WORK/$name.json" > "$WORK/$name.txt"
      done
    done
  done
fi

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/env.txt"

# --- report --------------------------------------------------------------------------
SUMPY=$PY
command -v "$SUMPY" > /dev/null 2>&1 || SUMPY=python3
"$SUMPY" bench/summarize_benchmark.py "$WORK" > bench/results/latest.md
cat bench/results/latest.md
