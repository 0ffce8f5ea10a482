#!/bin/sh
# dump_dataset writes exactly the data HyperPETSc loads, test split included: a run on the
# dumped LIBSVM files gives the same metrics.csv row (train, validation and test loss and
# accuracy, ‖ĝ‖, λ statistics) as on the original synthetic data, to the last bit.
#   bench/test_dump_dataset.sh HYPERPETSC DUMP_DATASET     (ctest: bench_dump_dataset)
set -eu
hp="$1"; dump="$2"
mpi="$(cd "$(dirname "$0")/../tests" && pwd)/run_mpi.sh"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/hp-dump-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
split() {  # split STREAM ROWS: one synthetic split of the same problem
  echo "{format: synthetic, generator: sparse_text, rows: $2, features: 60, nnz_per_row: 8, classes: 3, noise: 0.5, seed: 4, stream: $1}"
}
cat > "$tmp/synthetic.yaml" <<EOF
problem:
  type: logistic_l2
  train: $(split 0 120)
  val:   $(split 1 90)
  test:  $(split 2 70)
hyperparameters: {init: -3.0, shared: false}
inner: {iterations: 30}
hypergradient: {method: aid_cg, iterations: 10}
outer: {iterations: 0}
EOF
mkdir "$tmp/data"
"$mpi" 1 "$dump" "$tmp/synthetic.yaml" "$tmp/data" > "$tmp/dump.out"
grep -q '"test_rows": 70' "$tmp/data/meta.json" || { echo "FAIL meta.json: no 70 test rows"; cat "$tmp/data/meta.json"; exit 1; }
features=$(sed 's/.*"features": \([0-9]*\).*/\1/' "$tmp/data/meta.json")
sed -e "s|^  train: .*|  train: {format: libsvm, path: $tmp/data/train.libsvm}|" \
    -e "s|^  val: .*|  val:   {format: libsvm, path: $tmp/data/val.libsvm}|" \
    -e "s|^  test: .*|  test:  {format: libsvm, path: $tmp/data/test.libsvm}\n  n_features: $features|" \
    "$tmp/synthetic.yaml" > "$tmp/libsvm.yaml"
for c in synthetic libsvm; do
  "$mpi" 1 "$hp" run "$tmp/$c.yaml" --quiet --store "$tmp/runs.db" --set run.dir="$tmp/$c" > "$tmp/$c.out" 2>&1 ||
    { echo "FAIL run $c"; cat "$tmp/$c.out"; exit 1; }
  cut -d, -f1,3- "$tmp/$c/metrics.csv" > "$tmp/$c.rows"  # every column but the seconds
done
# The row (step 0) must hold test metrics: columns 5 and 6 of the cut rows are test_loss, test_accuracy.
if cmp -s "$tmp/synthetic.rows" "$tmp/libsvm.rows" && [ "$(wc -l < "$tmp/libsvm.rows")" = 2 ] &&
   awk -F, 'NR == 2 { exit !($5 != "" && $6 != "") }' "$tmp/libsvm.rows"; then
  echo "ok   dumped train/val/test give the identical metrics row"
else
  echo "FAIL the dumped data give other metrics"; cat "$tmp/synthetic.rows" "$tmp/libsvm.rows"; exit 1
fi
