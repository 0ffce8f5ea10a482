#!/usr/bin/env bash
# HyperPETSc against the peer users would otherwise pick (issue 7 §10): Optuna's TPE
# tuning one shared L2 strength of scikit-learn's LogisticRegression on the same
# Fashion-MNIST split, given the same wall-clock budget as the HyperPETSc run.
#
#   bench/optuna_peer.sh [--config FILE] [--ranks N] [--jobs J] [--seed S] [--run-dir DIR]
#
# 1. `hyperpetsc run CONFIG` on N ranks (default configs/fashion_mnist_hpo.yaml, 2 ranks)
#    into bench/results/work/peer/hyperpetsc, unless --run-dir names a finished run of it;
# 2. build/bench/dump_dataset CONFIG: train, validation and test splits as LIBSVM;
# 3. /usr/bin/python3 bench/optuna_peer.py with --budget = the run's seconds (both clocks
#    start after the data are loaded) and J worker processes (default 2 = the cores);
# 4. bench/peer_report.py: bench/results/optuna_peer.md (table) and .png (plot).
# Raw outputs stay in bench/results/work/peer/. Environment: BUILD_DIR (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONFIG=configs/fashion_mnist_hpo.yaml
RANKS=2
JOBS=2
SEED=0
RUN_DIR=
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$2"; shift 2 ;;
    --ranks) RANKS="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --run-dir) RUN_DIR="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "optuna_peer.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
BUILD=${BUILD_DIR:-build}
WORK=bench/results/work/peer
mkdir -p "$WORK"
cmake --build "$BUILD" -j2 --target hyperpetsc dump_dataset >&2

if [ -z "$RUN_DIR" ]; then
  RUN_DIR=$WORK/hyperpetsc
  rm -rf "$RUN_DIR" "$WORK/runs.db"*
  echo "[optuna_peer] load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  tests/run_mpi.sh "$RANKS" "$BUILD/hyperpetsc" run "$CONFIG" --quiet --store "$WORK/runs.db" --set run.dir="$RUN_DIR"
fi
[ -f "$RUN_DIR/summary.json" ] || { echo "optuna_peer.sh: $RUN_DIR holds no finished run" >&2; exit 2; }
BUDGET=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"])' "$RUN_DIR/summary.json")

rm -rf "$WORK/data"
mkdir -p "$WORK/data"
tests/run_mpi.sh 1 "$BUILD/bench/dump_dataset" "$CONFIG" "$WORK/data" >&2
echo "[optuna_peer] load average: $(cut -d' ' -f1-3 /proc/loadavg); budget $BUDGET s" >&2
/usr/bin/python3 bench/optuna_peer.py --data "$WORK/data" --budget "$BUDGET" --jobs "$JOBS" --seed "$SEED" \
  --out "$WORK/optuna_trials.csv"

NOTE="Measured $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD) with \`bench/optuna_peer.sh$( \
  [ "$CONFIG" != configs/fashion_mnist_hpo.yaml ] && printf ' --config %s' "$CONFIG")$( \
  [ "$RANKS" != 2 ] && printf ' --ranks %s' "$RANKS")$([ "$JOBS" != 2 ] && printf ' --jobs %s' "$JOBS")$( \
  [ "$SEED" != 0 ] && printf ' --seed %s' "$SEED")\` (HyperPETSc: \`$CONFIG\` on $RANKS ranks; Optuna \
$(/usr/bin/python3 -c 'import optuna; print(optuna.__version__)'), scikit-learn \
$(/usr/bin/python3 -c 'import sklearn; print(sklearn.__version__)'), $JOBS worker processes, TPE seed $SEED). \
The machine is shared: timings move by ±30 % or more between runs."
python3 bench/peer_report.py --run "$RUN_DIR" --optuna "$WORK/optuna_trials.csv" --out bench/results/optuna_peer \
  --note "$NOTE"
cat bench/results/optuna_peer.md
