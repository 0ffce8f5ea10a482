#!/usr/bin/env bash
# The default experiment (README, first command): per-pixel L2 hyperparameters of a
# Fashion-MNIST logistic regression tuned by hypergradient descent, against the best ONE
# shared λ of a grid search, on 2 MPI ranks.
#
#   examples/fashion_mnist.sh [OUT]          (from anywhere; default OUT: runs/fashion_mnist)
#
# 1. OUT/hpo: `hyperpetsc run configs/fashion_mnist_hpo.yaml` — 784 λ_j (one per pixel),
#    aid_cg hypergradients with warm starts and inexactness schedules, Adam, 40 outer steps;
# 2. OUT/shared_sweep: `hyperpetsc run configs/fashion_mnist_shared_sweep.yaml
#    --ranks-per-trial 1` — 6 trials, one shared λ each in -9..-4, each trained from
#    scratch (two trials at a time, one per rank);
# 3. OUT/hpo_retrained: the per-pixel λ of step 1 trained from scratch exactly like a sweep
#    trial (same solver, 800 steps), so the two λ are compared on equal training;
# 4. `hyperpetsc report` of 1 and 2 (OUT/*/report/report.html);
# then prints validation and test loss and accuracy side by side. The best shared λ is the
# sweep trial with the lowest validation loss; the per-pixel run's line is its step with
# the lowest validation loss. OUT is replaced if this script made it (a non-empty folder
# without its marker file is refused). The run store is OUT/runs.db. Environment: BUILD_DIR (default build), RANKS (default 2).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-runs/fashion_mnist}
BIN=${BUILD_DIR:-build}/hyperpetsc
RANKS=${RANKS:-2}
[ -x "$BIN" ] || { echo "fashion_mnist.sh: no $BIN; build first (cmake -S . -B build && cmake --build build -j2)" >&2; exit 2; }
[ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] ||
  { echo "fashion_mnist.sh: Fashion-MNIST is missing: apt-get install dataset-fashion-mnist" >&2; exit 2; }
case "$OUT" in /*) ;; *) OUT=$ROOT/$OUT ;; esac
MARKER=.made-by-examples-fashion_mnist
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ] && [ ! -f "$OUT/$MARKER" ]; then
  echo "fashion_mnist.sh: $OUT is not empty and was not made by this script; give another folder" >&2
  exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT"
touch "$OUT/$MARKER"
HP=(tests/run_mpi.sh "$RANKS" "$BIN" run --store "$OUT/runs.db")
START=$SECONDS
phase() { printf '\n== %s (%d s so far)\n' "$1" $((SECONDS - START)); }

phase "per-pixel λ: hypergradient descent (configs/fashion_mnist_hpo.yaml)"
"${HP[@]}" configs/fashion_mnist_hpo.yaml --set run.dir="$OUT/hpo"

phase "one shared λ: grid search (configs/fashion_mnist_shared_sweep.yaml)"
"${HP[@]}" configs/fashion_mnist_shared_sweep.yaml --ranks-per-trial 1 --set run.dir="$OUT/shared_sweep"

phase "per-pixel λ trained from scratch like a sweep trial"
# The sweep trials' inner solver and hypergradient sections (one-line mappings in the
# sweep config), whole, for the per-pixel λ: the same training from scratch.
INNER=$(sed -n 's/^inner: *//p' configs/fashion_mnist_shared_sweep.yaml)
HYPERGRADIENT=$(sed -n 's/^hypergradient: *//p' configs/fashion_mnist_shared_sweep.yaml)
T=$(sed -n 's/.*iterations: *\([0-9]*\).*/\1/p' <<<"$INNER")
"${HP[@]}" configs/fashion_mnist_hpo.yaml --quiet --set run.dir="$OUT/hpo_retrained" \
  --set hyperparameters.init="$OUT/hpo/lambda.txt" --set outer.iterations=0 --set run.checkpoint_every=0 \
  --set "inner=$INNER" --set "hypergradient=$HYPERGRADIENT"
echo "trained $T steps from scratch: $OUT/hpo_retrained"

phase "reports"
tests/run_mpi.sh 1 "$BIN" report "$OUT/hpo"
tests/run_mpi.sh 1 "$BIN" report "$OUT/shared_sweep"

# metrics.csv: step,seconds,train_loss,val_loss,val_accuracy,test_loss,test_accuracy,...
# The row with the lowest validation loss of FILEs, printed as one line of the table.
best_row() {
  local label=$1; shift
  awk -F, -v label="$label" 'FNR > 1 && $4 != "" && (best == "" || $4 + 0 < best + 0) {
      best = $4; row = sprintf("%-44s %9.4f %9.4f %9.4f %9.4f", label, $4, $5, $6, $7); src = FILENAME; step = $1 }
    END { if (row == "") exit 1; print row "\t" src "\t" step }' "$@"
}
hpo=$(best_row "per-pixel λ, hypergradient HPO (its best step)" "$OUT/hpo/metrics.csv")
retrained=$(best_row "per-pixel λ, trained from scratch ($T steps)" "$OUT/hpo_retrained/metrics.csv")
shared=$(best_row "best shared λ of the sweep" "$OUT"/shared_sweep/trials/*/metrics.csv)
shared_dir=$(dirname "$(cut -f2 <<<"$shared")")
shared_lambda=$(awk -F, 'NR == 2 { print $12 }' "$shared_dir/metrics.csv")

phase "done"
printf '\n%-44s %9s %9s %9s %9s\n' "" "val loss" "val acc" "test loss" "test acc"
cut -f1 <<<"$hpo"
cut -f1 <<<"$retrained"
cut -f1 <<<"$shared"
printf '\nper-pixel HPO: best step %s of %s; shared λ = %s (%s, chosen by validation loss)\n' \
  "$(cut -f3 <<<"$hpo")" "$OUT/hpo" "$shared_lambda" "$shared_dir"
printf 'test accuracy: per-pixel %s (re-trained %s) vs shared %s\n' \
  "$(cut -f1 <<<"$hpo" | awk '{ print $NF }')" "$(cut -f1 <<<"$retrained" | awk '{ print $NF }')" \
  "$(cut -f1 <<<"$shared" | awk '{ print $NF }')"
printf 'reports: %s/hpo/report/report.html, %s/shared_sweep/report/report.html\n' "$OUT" "$OUT"
printf 'total: %d s\n' $((SECONDS - START))
