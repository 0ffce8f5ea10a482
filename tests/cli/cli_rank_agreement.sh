#!/bin/bash
# End-to-end: `hyperpetsc hypergrad` reports the same hypergradient, entry by entry in the
# natural feature order, on 1 rank and on NRANKS ranks, with features distributed
# `balanced` (permuted) and `contiguous`, for every data layout. Catches any mix-up between
# the distributed and the reported order that a norm would not show.
# Usage: cli_rank_agreement.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"

# Sparse text-like data: power-law column frequencies, so the balanced order is a real
# permutation of the features.
cat > "$tmp/c.yaml" <<'YAML'
problem:
  type: logistic_l2
  train: {format: synthetic, generator: sparse_text, rows: 120, features: 300, nnz_per_row: 12,
          classes: 4, noise: 0.3, seed: 5, stream: 0}
  val:   {format: synthetic, generator: sparse_text, rows: 100, features: 300, nnz_per_row: 12,
          classes: 4, noise: 0.3, seed: 5, stream: 1}
hyperparameters: {init: -2.0, shared: false}
inner: {solver: gradient_descent, step_size: auto, iterations: 40}
hypergradient: {method: aid_cg, iterations: 30, tol: 0}
YAML

# The "hypergradient": [...] array of a result file, one number per line.
values() { sed -n 's/^ *"hypergradient": \[\(.*\)\],\{0,1\}$/\1/p' "$1" | tr ',' '\n'; }

run() {  # run NAME RANKS [options...]
  local name="$1" ranks="$2"; shift 2
  if ! timeout 300 "$run_mpi" "$ranks" "$bin" hypergrad "$tmp/c.yaml" --json "$tmp/$name.json" "$@" \
       > "$tmp/$name.out" 2>&1; then
    echo "FAIL $name: hyperpetsc failed"; cat "$tmp/$name.out"; failures=$((failures+1)); return 1
  fi
}

compare() {  # compare A B: max |a_i − b_i| ≤ 1e-10 · max |b_i| and the same length
  values "$tmp/$1.json" > "$tmp/$1.txt"; values "$tmp/$2.json" > "$tmp/$2.txt"
  local verdict
  verdict=$(paste -d' ' "$tmp/$1.txt" "$tmp/$2.txt" | awk '
    { if (NF != 2) bad = 1; d = $1 - $2; if (d < 0) d = -d; if (d > md) md = d
      b = $2 < 0 ? -$2 : $2; if (b > mb) mb = b; n++ }
    END { if (bad || n < 300) print "length mismatch (" n " rows)";
          else if (mb == 0) print "hypergradient is zero";
          else if (md > 1e-10 * mb) printf "max difference %.3g of max entry %.3g\n", md, mb;
          else print "ok" }')
  if [ "$verdict" != ok ]; then
    echo "FAIL $1 vs $2: $verdict"; failures=$((failures+1))
  else
    echo "ok   $1 vs $2"
  fi
}

run one 1 || exit 1
for layout in rows features dense; do
  for dist in balanced contiguous; do
    name="np${n}_${layout}_${dist}"
    run "$name" "$n" --set problem.layout="$layout" --set problem.feature_distribution="$dist" &&
      compare "$name" one
  done
done

[ $failures -eq 0 ] && echo "all agree" || echo "$failures failure(s)"
[ $failures -eq 0 ]
