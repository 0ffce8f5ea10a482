#!/bin/bash
# inner.solver: tao from the command line: ITD and truncated ITD refuse it when the
# settings are read (before any data: the data file below does not exist), -inner_tao_type
# values PETSc or HyperPETSc reject, inner.momentum with tao; each an exit status 2 on every
# rank with one message, no traceback, no output file. And an AID run with it works.
# Usage: cli_tao_inner.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"

base() {
  cat <<'YAML'
problem:
  type: logistic_l2
  train: {format: synthetic, generator: gaussian, rows: 60, features: 12, classes: 3, noise: 0.1, seed: 3, stream: 0}
  val:   {format: synthetic, generator: gaussian, rows: 40, features: 12, classes: 3, noise: 0.1, seed: 3, stream: 1}
hyperparameters: {init: -2.0}
inner: {solver: tao, step_size: auto, iterations: 200, tol: 1.0e-8}
hypergradient: {method: aid_cg, iterations: 200, tol: 1.0e-10}
YAML
}


missing_data() {
  base | sed 's|train: {format: synthetic[^}]*}|train: {format: libsvm, path: /nonexistent/train.svm}|'
}
expect_hypergrad_error itd_refuses_tao "inner.solver (line 6): tao cannot be used with hypergradient.method: itd" \
  "$(missing_data | sed 's/method: aid_cg/method: itd/')"
expect_hypergrad_error truncated_itd_refuses_tao "tao cannot be used with hypergradient.method: truncated_itd" \
  "$(missing_data | sed 's/method: aid_cg/method: truncated_itd/')"
expect_hypergrad_error set_itd_refuses_tao "tao cannot be used with hypergradient.method: itd" "$(missing_data)" \
  --set hypergradient.method=itd
expect_hypergrad_error momentum_with_tao "inner.momentum: only used with inner.solver: heavy_ball" "$(base)" \
  --set inner.momentum=0.5
expect_hypergrad_error unknown_tao_type "Unable to find requested Tao type nonexistent" "$(base)" -inner_tao_type nonexistent
expect_hypergrad_error yaml_unknown_tao_type "Tao type nonexistent" "$(base; echo 'petsc_options: "-inner_tao_type nonexistent"')"
expect_hypergrad_error tao_type_without_gradient "cannot use -inner_tao_type nm" "$(base)" -inner_tao_type nm

# An AID run with lmvm: the JSON names the solver, t stops short of the cap at inner.tol.
base > "$tmp/good.yaml"
timeout 120 "$run_mpi" "$n" "$bin" hypergrad "$tmp/good.yaml" --json "$tmp/good.json" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] && grep -q '"inner_solver": "tao"' "$tmp/good.json" \
  && grep -Eq '"t": ([1-9]|[1-9][0-9]|1[0-9][0-9]),' "$tmp/good.json"
check $? "aid_cg_with_tao"
# and with a Newton type from petsc_options.
(base; echo 'petsc_options: "-inner_tao_type nls"') > "$tmp/nls.yaml"
timeout 120 "$run_mpi" "$n" "$bin" hypergrad "$tmp/nls.yaml" > "$tmp/out" 2> "$tmp/err"
check $? "aid_cg_with_tao_nls"

echo "$failures failure(s)"
[ $failures -eq 0 ]
