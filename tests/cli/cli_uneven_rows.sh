#!/bin/bash
# End-to-end: data on which some rank owns no rows. LIBSVM rows are split by bytes, so three
# one-feature rows followed by one row of 60 features leave the ranks after the long line
# without rows; `auto` stores such data by features (d > n), whose ghost scatters once ran
# on some ranks only (PETSc error 162, exit 3). Must exit 0 with the 1-rank hypergradient.
# Usage: cli_uneven_rows.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"

{ printf '1 1:1.0\n2 2:0.5\n-1 3:2.0\n0.5'
  for j in $(seq 1 60); do printf ' %d:%s' "$j" "$(awk -v j="$j" 'BEGIN { printf "%.2f", 0.01 * j }')"; done
  printf '\n'; } > "$tmp/uneven.svm"
cat > "$tmp/c.yaml" <<'YAML'
problem:
  type: ridge_l2
  train: {format: libsvm, path: uneven.svm}
  val: {format: libsvm, path: uneven.svm}
hyperparameters: {init: -1.0}
inner: {solver: gradient_descent, step_size: auto, iterations: 30}
hypergradient: {method: aid_cg, iterations: 20, tol: 0}
YAML

# The "hypergradient": [...] array of a result file, one number per line.
values() { sed -n 's/^ *"hypergradient": \[\(.*\)\],\{0,1\}$/\1/p' "$1" | tr ',' '\n'; }

run() {  # run NAME RANKS
  if ! timeout 120 "$run_mpi" "$2" "$bin" hypergrad "$tmp/c.yaml" --json "$tmp/$1.json" \
       > "$tmp/$1.out" 2>&1; then
    echo "FAIL $1: hyperpetsc exited nonzero"; cat "$tmp/$1.out"; failures=$((failures+1)); return 1
  fi
}

run one 1 || exit 1
if run many "$n"; then
  values "$tmp/one.json" > "$tmp/one.txt"; values "$tmp/many.json" > "$tmp/many.txt"
  verdict=$(paste -d' ' "$tmp/many.txt" "$tmp/one.txt" | awk '
    { if (NF != 2) bad = 1; d = $1 - $2; if (d < 0) d = -d; if (d > md) md = d
      b = $2 < 0 ? -$2 : $2; if (b > mb) mb = b; k++ }
    END { if (bad || k != 60) print "length mismatch (" k " rows)";
          else if (mb == 0) print "hypergradient is zero";
          else if (md > 1e-10 * mb) printf "max difference %.3g of max entry %.3g\n", md, mb;
          else print "ok" }')
  if [ "$verdict" = ok ]; then echo "ok   np$n vs np1"; else echo "FAIL np$n vs np1: $verdict"; failures=$((failures+1)); fi
fi
[ $failures -eq 0 ]
