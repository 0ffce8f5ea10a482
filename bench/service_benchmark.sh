#!/usr/bin/env bash
# Service benchmarks of `hyperpetsc run` on the default experiment (issue 7 §10, first two
# bullets; bench/README.md explains every number):
#
#   bench/service_benchmark.sh [-n RUNS] [--only overhead|warm] [--ranks N]
#
# (a) overhead: RUNS runs (default 5) of configs/fashion_mnist_hpo.yaml (40 outer steps,
#     checkpoint every 10) with -log_view in PETSc's CSV format, which gives every stage's
#     time on every rank: the coordinator's share of an outer step is the time in the
#     stages "Outer: coordinator" (metrics.csv row, store transaction, log line) and
#     "Outer: checkpoint" (gather + PETSc binary file + checkpoint.json), the slower rank's,
#     against the run's loop time (summary.json `seconds`).
# (b) warm: the same experiment three ways (iterations are deterministic, seconds are one
#     run each):
#       cold  — no warm starts, fixed t = 200 heavy-ball steps and k = 30 CG iterations
#               (the default's caps);
#       warm  — warm starts, the same fixed t = 200, k = 30 (no schedule);
#       sched — the default experiment as it is: warm starts + inexactness schedules
#               (inner.tol 2e-2 and hypergradient.tol 0.2, geometric 0.93, floors 5e-4
#               and 1e-2, caps t = 200, k = 30);
#     and counts the inner + adjoint iterations (metrics.csv) and seconds each needs to
#     reach the cold run's final validation loss.
# Writes bench/results/service_benchmark.md, service_overhead.csv and
# service_warm_start.csv; raw outputs in bench/results/work/service/. The measured binary
# is a copy made after building, so a rebuild meanwhile does not change it.
# Environment: BUILD_DIR (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=5
ONLY=
RANKS=2
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--runs) RUNS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --ranks) RANKS="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "service_benchmark.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "service_benchmark.sh: -n needs a positive integer" >&2; exit 2 ;; esac
case "$ONLY" in ''|overhead|warm) ;; *) echo "service_benchmark.sh: --only overhead|warm" >&2; exit 2 ;; esac

BUILD=${BUILD_DIR:-build}
CONFIG=configs/fashion_mnist_hpo.yaml
WORK=bench/results/work/service
cmake --build "$BUILD" -j2 --target hyperpetsc >&2
rm -rf "$WORK"
mkdir -p "$WORK/bin"
cp "$BUILD/hyperpetsc" "$WORK/bin/"
BIN=$WORK/bin/hyperpetsc
{
  echo "commit=$(git rev-parse --short HEAD)"
  echo "dirty_files=$(git status --porcelain --untracked-files=no | grep -vc ' bench/' || true)"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "ranks=$RANKS"
  echo "runs=$RUNS"
} > "$WORK/env.txt"

log() { echo "[service_benchmark] $*" >&2; }
# run NAME [hyperpetsc run options...]: one run of the default experiment into WORK/NAME.
run() {
  local name=$1; shift
  echo "$name load_average=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')" >> "$WORK/load.txt"
  local cmd=(tests/run_mpi.sh "$RANKS" "$BIN" run "$CONFIG" --quiet --store "$WORK/runs.db"
             --set run.dir="$WORK/$name" "$@")
  echo "${cmd[*]}" >> "$WORK/commands.txt"
  log "$name"
  "${cmd[@]}"
}

if [ "$ONLY" != warm ]; then
  for i in $(seq 1 "$RUNS"); do
    run "overhead_$i" -log_view ":$ROOT/$WORK/overhead_$i.csv:ascii_csv"
  done
fi
if [ "$ONLY" != overhead ]; then
  # Whole sections: the file's schedule keys would be refused once tol is 0.
  INNER="solver: heavy_ball, momentum: 0.98, step_size: auto, iterations: 200"
  HYPERGRADIENT="method: aid_cg, iterations: 30"
  run cold --set "inner={$INNER, warm_start: false}" --set "hypergradient={$HYPERGRADIENT, warm_start: false}"
  run warm --set "inner={$INNER, warm_start: true}" --set "hypergradient={$HYPERGRADIENT, warm_start: true}"
  run sched
fi
python3 bench/summarize_service.py "$WORK" bench/results
cat bench/results/service_benchmark.md
