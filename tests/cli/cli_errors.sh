#!/bin/bash
# End-to-end checks of the command line: every user error exits 2 on every rank with one
# clear message (printed once), never hangs, and never writes or clobbers output.
# Usage: cli_errors.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"

# A small valid problem (libsvm files) that other cases mutate.
printf '1 1:0.5 3:1.0\n2 2:1.0\n3 1:0.2 2:0.3 3:0.1\n1 3:0.7\n2 1:0.9 # comment\n3 2:0.4 3:0.4\n' > "$tmp/a.train.svm"
cp "$tmp/a.train.svm" "$tmp/a.val.svm"
base() {
  cat <<YAML
problem:
  type: logistic_l2
  train: {path: a.train.svm, format: libsvm}
  val: {path: a.val.svm, format: libsvm}
hyperparameters: {init: -1.0}
inner: {solver: gradient_descent, step_size: auto, iterations: 20}
hypergradient: {method: aid_cg, iterations: 20, tol: 0}
YAML
}

# expect_error NAME EXPECTED_SUBSTRING CONFIG_TEXT [extra args...]
expect_error() {
  local name="$1" want="$2" text="$3"; shift 3
  printf '%s\n' "$text" > "$tmp/$name.yaml"
  echo '{"keep": "me"}' > "$tmp/existing.json"
  timeout 120 "$run_mpi" "$n" "$bin" hypergrad "$tmp/$name.yaml" --json "$tmp/existing.json" "$@" \
    > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  local count
  count=$(grep -c "hyperpetsc: error:" "$tmp/err")
  if [ $rc -ne 2 ]; then
    echo "FAIL $name: exit status $rc, expected 2"; cat "$tmp/err"; failures=$((failures+1)); return
  fi
  if ! grep -qF -- "$want" "$tmp/err"; then
    echo "FAIL $name: message lacks '$want':"; cat "$tmp/err"; failures=$((failures+1)); return
  fi
  if [ "$count" -ne 1 ]; then
    echo "FAIL $name: message printed $count times"; cat "$tmp/err"; failures=$((failures+1)); return
  fi
  if [ "$(cat "$tmp/existing.json")" != '{"keep": "me"}' ]; then
    echo "FAIL $name: existing output was modified"; failures=$((failures+1)); return
  fi
  if ls "$tmp"/existing.json.tmp.* >/dev/null 2>&1; then
    echo "FAIL $name: left a partial output file"; failures=$((failures+1)); return
  fi
  echo "ok   $name: $(grep 'hyperpetsc: error:' "$tmp/err" | head -c 200)"
}

expect_error unknown_key "inner.stepsize" "$(base | sed 's/step_size: auto/stepsize: auto/')"
expect_error unknown_section "optimiser" "$(base; echo 'optimiser: {lr: 1}')"
expect_error wrong_type "inner.iterations" "$(base | sed 's/iterations: 20}/iterations: many}/' | sed 's/tol: 0}/tol: 0}/')"
expect_error negative_iterations "must be >= 0" "$(base | sed 's/solver: gradient_descent, step_size: auto, iterations: 20/solver: gradient_descent, step_size: auto, iterations: -3/')"
expect_error bad_tol "hypergradient.tol" "$(base | sed 's/tol: 0/tol: 3/')"
expect_error bad_problem_type "problem.type" "$(base | sed 's/type: logistic_l2/type: svm/')"
expect_error bad_solver "inner.solver" "$(base | sed 's/solver: gradient_descent/solver: newton/')"
expect_error bad_method "unknown method 'aid_foo'" "$(base | sed 's/method: aid_cg/method: aid_foo/')"
expect_error bad_step "inner.step_size" "$(base | sed 's/step_size: auto/step_size: -1/')"
expect_error yaml_syntax "line" "$(base; echo 'inner: [unclosed')"
expect_error missing_file "a.missing.svm" "$(base | sed 's/a.val.svm/a.missing.svm/')"
printf '1 1:0.5\n2 0:1.0\n' > "$tmp/zero_index.svm"
expect_error zero_index "line 2" "$(base | sed 's/a.val.svm/zero_index.svm/')"
printf '1 1:0.5\n2 2:1.0\n3 1:abc\n' > "$tmp/bad_value.svm"
expect_error bad_value "line 3" "$(base | sed 's/a.train.svm/bad_value.svm/')"
expect_error n_features_small "n_features" "$(base | sed 's/^problem:/problem:\n  n_features: 2/')"
printf '1 1:0.5\n1 2:1.0\n' > "$tmp/one_class.svm"
expect_error one_class "at least 2" "$(base | sed 's/a.train.svm/one_class.svm/; s/a.val.svm/one_class.svm/')"
expect_error non_contractive "non-contractive" "$(base | sed 's/step_size: auto/step_size: 1e6/')"
# Heavy ball converges with this step, but the plain gradient step AID-FP uses does not
# contract: the adjoint fixed-point iteration must be reported, not return garbage.
expect_error adjoint_diverges "not a contraction" "$(base | sed 's/solver: gradient_descent, step_size: auto/solver: heavy_ball, momentum: 0.9, step_size: 6/; s/method: aid_cg/method: aid_fp/')"
expect_error momentum_without_hb "inner.momentum" "$(base | sed 's/step_size: auto,/step_size: auto, momentum: 0.5,/')"
expect_error set_unknown "hypergradient.iters" "$(base)" --set hypergradient.iters=3
expect_error json_dir "does not exist" "$(base)" --json "$tmp/no/such/dir/out.json"
expect_error empty_config "problem" ""
# Configuration shapes and values that used to crash, hang or pass silently.
expect_error complex_key "a key must be a plain name" "$(base; printf '? [a, b]\n: 1\n')"
expect_error complex_key_set "a key must be a plain name" "$(base)" --set 'inner={[a]: 1}'
expect_error duplicate_key "duplicate key" "$(base | sed 's/iterations: 20}/iterations: 20, iterations: 7}/')"
expect_error empty_set "no value after" "$(base)" --set inner.iterations=
expect_error set_origin "--set 'inner.iterations=abc'" "$(base)" --set inner.iterations=abc
expect_error underflow "underflows" "$(base)" --set hypergradient.tol=1e-400
expect_error init_range "hyperparameters.init" "$(base | sed 's/init: -1.0/init: 800/')"
expect_error momentum_range "inner.momentum" "$(base | sed 's/solver: gradient_descent/solver: heavy_ball, momentum: 1.5/')"
expect_error unknown_layout "problem.layout" "$(base)" --set problem.layout=diagonal
expect_error unknown_distribution "problem.feature_distribution" "$(base)" --set problem.feature_distribution=random
printf '1,0.5,0.2\n2,0.1\n' > "$tmp/ragged.csv"
expect_error csv_ragged "ragged.csv" "$(base | sed 's/{path: a.train.svm, format: libsvm}/{path: ragged.csv, format: csv}/')"
expect_error label_column_range "problem.train.label_column" "$(base | sed 's/{path: a.train.svm, format: libsvm}/{path: ragged.csv, format: csv, label_column: 4294967296}/')"
printf '0.25 1:0.5\n1.5 2:1.0\n2 1:0.3\n' > "$tmp/fractional.svm"
expect_error fractional_labels "integer class labels" "$(base | sed 's/a.train.svm/fractional.svm/')"
# A step the contraction check accepts (its Lanczos estimate is 0.29 % low here) but that
# diverges: stopped while running, naming the step.
ridge_diverging() { cat <<YAML
problem:
  type: ridge_l2
  train: {format: synthetic, generator: gaussian, rows: 600, features: 600, classes: 0, noise: 0.1, seed: 5, stream: 0}
  val:   {format: synthetic, generator: gaussian, rows: 50, features: 600, classes: 0, noise: 0.1, seed: 5, stream: 1}
hyperparameters: {init: -7.0, shared: true}
inner: {solver: gradient_descent, step_size: 270.7, iterations: 3000}
hypergradient: {method: aid_cg, iterations: 1, tol: 0}
YAML
}
expect_error inner_diverges "iterates diverge (at step 1696 of 3000" "$(ridge_diverging)"
# Tiny inputs that would need tens of GB: refused before anything is allocated.
printf '1 2147483647:1\n' > "$tmp/huge.svm"
expect_error huge_feature_index "problem.train: feature index 2147483647" "$(base | sed 's/a.train.svm/huge.svm/')" --max-memory 8G
expect_error huge_n_features "problem.n_features = 2147483647 needs about" "$(base)" --set problem.n_features=2147483647 --max-memory 8G
expect_error huge_itd_trajectory "stored inner trajectory (t + 1 = 2147483648" "$(base)" --set hypergradient.method=itd --set inner.iterations=2147483647 --max-memory 8G
expect_error max_memory_limit "that --max-memory allows" "$(base)" --set hypergradient.method=itd --set inner.iterations=100000 --max-memory 1M
expect_error bad_max_memory "--max-memory 'lots'" "$(base)" --max-memory lots
# A malformed sweep section fails the configuration in any command (src/service/sweep_spec.cpp).
expect_error sweep_empty_grid "sweep.grid[inner.iterations] (line 9): the list is empty" "$(base; printf 'sweep:\n  grid: {inner.iterations: []}\n')"
expect_error sweep_inverted_range "inverted range [2, 1]" "$(base)" --set 'sweep={random: {samples: 2, space: {hyperparameters.init: {uniform: [2, 1]}}}}'
printf '%s\n' "$(base)" > "$tmp/dup.yaml"
for bad in "$tmp" /dev/null; do
  timeout 60 "$run_mpi" "$n" "$bin" hypergrad "$bad" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  if [ $rc -eq 2 ] && grep -q "not a regular file" "$tmp/err"; then echo "ok   config_not_regular $bad"; else echo "FAIL config_not_regular $bad rc=$rc"; cat "$tmp/err"; failures=$((failures+1)); fi
done
mkfifo "$tmp/fifo.yaml"
timeout 60 "$run_mpi" "$n" "$bin" hypergrad "$tmp/fifo.yaml" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "FIFO" "$tmp/err"; then echo "ok   config_fifo"; else echo "FAIL config_fifo rc=$rc (124 = hang)"; cat "$tmp/err"; failures=$((failures+1)); fi
timeout 60 "$run_mpi" "$n" "$bin" hypergrad "$tmp/nowhere.yaml" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "config file.*not found" "$tmp/err"; then echo "ok   no_config"; else echo "FAIL no_config rc=$rc"; cat "$tmp/err"; failures=$((failures+1)); fi

# A successful run writes complete JSON with the contract's keys.
base > "$tmp/good.yaml"
if timeout 120 "$run_mpi" "$n" "$bin" hypergrad "$tmp/good.yaml" --json "$tmp/good.json" > "$tmp/out" 2> "$tmp/err"; then
  for key in method t k outer_objective hypergradient hypergradient_norm seconds inner adjoint \
             linear_solver_iterations converged_reason ranks peak_memory_bytes; do
    if ! grep -q "\"$key\":" "$tmp/good.json"; then echo "FAIL good_run: JSON lacks $key"; failures=$((failures+1)); fi
  done
  grep -q "\"ranks\": $n" "$tmp/good.json" || { echo "FAIL good_run: ranks != $n"; failures=$((failures+1)); }
  echo "ok   good_run"
else
  echo "FAIL good_run: exit $?"; cat "$tmp/err"; failures=$((failures+1))
fi

# compare: a sweep over t = k, and a malformed sweep list.
if timeout 300 "$run_mpi" "$n" "$bin" compare "$tmp/good.yaml" --sweep 2,5 --json "$tmp/cmp.json" > "$tmp/out" 2> "$tmp/err" \
   && grep -q '"sweep"' "$tmp/cmp.json" && grep -q "Relative error versus t = k" "$tmp/out"; then
  echo "ok   compare_sweep"
else
  echo "FAIL compare_sweep"; cat "$tmp/err"; failures=$((failures+1))
fi
timeout 120 "$run_mpi" "$n" "$bin" compare "$tmp/good.yaml" --sweep 2,x > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "'x' is not an iteration count" "$tmp/err"; then echo "ok   bad_sweep"; else echo "FAIL bad_sweep rc=$rc"; cat "$tmp/err"; failures=$((failures+1)); fi

echo "$failures failure(s)"
[ $failures -eq 0 ]
