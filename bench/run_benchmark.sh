#!/usr/bin/env bash
# HyperPETSc performance benchmark (see bench/README.md).
#
#   bench/run_benchmark.sh [-n RUNS] [--ranks "1 2"] [--config FILE] [--no-pytorch]
#                          [--pytorch-repeat R] [--wait-idle SECONDS] [-- PETSC_OPTIONS...]
#
# Builds what it needs, then measures, interleaving the configurations RUNS times (default
# 3; the best of RUNS is kept, because the machine is shared and timings are noisy):
#   - STREAM triad at each rank count (build/bench/stream_triad);
#   - `hyperpetsc hypergrad CONFIG --set hypergradient.method=aid_cg|itd` at each rank
#     count, with -log_view to a file and --json (plus any PETSC_OPTIONS after --);
#   - once: itd and aid_cg at t = 25 (peak memory versus t, 1 rank);
#   - once: the PyTorch reference (bench/pytorch_hypergrad.py, one thread, best of R timed
#     repetitions in one process, default 1) on the same data (written by
#     build/bench/dump_dataset), checked against HyperPETSc's hypergradient.
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

RUNS=3
RANKS="1 2"
CONFIG=bench/configs/news20_like.yaml
PYTORCH=1
PT_REPEAT=1
WAIT_IDLE=30
MEM_T=25
EXTRA=()
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--runs) RUNS="$2"; shift 2 ;;
    --ranks) RANKS="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --no-pytorch) PYTORCH=0; shift ;;
    --pytorch-repeat) PT_REPEAT="$2"; shift 2 ;;
    --wait-idle) WAIT_IDLE="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run_benchmark.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
positive() { case "$1" in ''|*[!0-9]*|0) return 1 ;; esac; }
positive "$RUNS" || { echo "run_benchmark.sh: -n needs a positive integer" >&2; exit 2; }
positive "$PT_REPEAT" || { echo "run_benchmark.sh: --pytorch-repeat needs a positive integer" >&2; exit 2; }
case "$WAIT_IDLE" in ''|*[!0-9]*) echo "run_benchmark.sh: --wait-idle needs seconds" >&2; exit 2 ;; esac
[ -f "$CONFIG" ] || { echo "run_benchmark.sh: no config $CONFIG" >&2; exit 2; }
FIRST_RANKS=${RANKS%% *}

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
  echo "pytorch_repeat=$PT_REPEAT"
  echo "wait_idle=$WAIT_IDLE"
  echo "extra_options=${EXTRA[*]:-}"
} > "$WORK/env.txt"

# --- timed runs, interleaved ---------------------------------------------------------
HP="$BIN/hyperpetsc"
for ((r = 1; r <= RUNS; r++)); do
  for n in $RANKS; do
    wait_for_idle "stream_r${n}_run${r}"
    log "run $r/$RUNS: STREAM triad, $n rank(s)"
    run "$MPI" "$n" "$BIN/stream_triad" > "$WORK/stream_r${n}_run${r}.txt"
    for m in aid_cg itd; do
      base="$WORK/hp_${m}_r${n}_run${r}"
      wait_for_idle "hp_${m}_r${n}_run${r}"
      log "run $r/$RUNS: $m, $n rank(s)"
      timer "$base.cpu"
      run "$MPI" "$n" "${TIMER[@]}" "$HP" hypergrad "$CONFIG" --set hypergradient.method=$m \
        --json "$base.json" -log_view ":$base.log" "${EXTRA[@]}" > "$base.txt"
    done
  done
done

# --- memory versus t (1 rank) --------------------------------------------------------
for m in itd aid_cg; do
  log "memory: $m at t = $MEM_T, 1 rank"
  run "$MPI" 1 "$HP" hypergrad "$CONFIG" --set hypergradient.method=$m \
    --set inner.iterations=$MEM_T --json "$WORK/hp_${m}_r1_t${MEM_T}.json" "${EXTRA[@]}" \
    > "$WORK/hp_${m}_r1_t${MEM_T}.txt"
done

# --- data and PyTorch reference ------------------------------------------------------
# The exact training/validation data (for nnz in the bandwidth model and for PyTorch).
log "dumping the data set"
mkdir -p "$WORK/data"
run "$MPI" 1 "$BIN/dump_dataset" "$CONFIG" "$WORK/data" >&2
if [ "$PYTORCH" = 1 ] && ! "$PY" -c 'import torch, numpy, yaml' 2>/dev/null; then
  log "$PY lacks torch/numpy/yaml: skipping the PyTorch reference"
  PYTORCH=0
fi
if [ "$PYTORCH" = 1 ]; then
  REF_AID="$WORK/hp_aid_cg_r${FIRST_RANKS}_run1.json"
  REF_ITD="$WORK/hp_itd_r${FIRST_RANKS}_run1.json"
  read -r ETA INIT T K < <("$PY" -c '
import json, sys, yaml
d = json.load(open(sys.argv[1])); c = yaml.safe_load(d["config"])
print(repr(d["step_size"]), c["hyperparameters"]["init"], d["t"], c["hypergradient"]["iterations"])' "$REF_AID")
  for m in aid_cg itd; do
    ref=$REF_AID; [ $m = itd ] && ref=$REF_ITD
    wait_for_idle "pt_${m}"
    log "PyTorch $m (one thread, best of $PT_REPEAT)"
    timer "$WORK/pt_${m}.cpu"
    run "${TIMER[@]}" "$PY" bench/pytorch_hypergrad.py --data "$WORK/data" --method $m \
      --step-size "$ETA" --init "$INIT" --t "$T" --k "$K" --repeat "$PT_REPEAT" \
      --reference "$ref" --json "$WORK/pt_${m}.json" > "$WORK/pt_${m}.txt"
  done
fi

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/env.txt"

# --- report --------------------------------------------------------------------------
SUMPY=$PY
command -v "$SUMPY" > /dev/null 2>&1 || SUMPY=python3
"$SUMPY" bench/summarize_benchmark.py "$WORK" > bench/results/latest.md
cat bench/results/latest.md
