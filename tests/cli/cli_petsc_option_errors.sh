#!/bin/bash
# PETSc options PETSc rejects are user errors: exit status 2 on every rank, one message
# (printed once, no PETSc traceback), no output file. Covers options a solver reads
# (unknown type, unparsable value, LU on a matrix-free operator, a monitor file that
# cannot be opened), options files (in the config's petsc_options and on the command line,
# where PetscInitialize reads them), and a -log_view report that cannot be written (which
# PetscFinalize would only find out after the results). Also: -log_view from
# petsc_options works.
# Usage: cli_petsc_option_errors.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"

base() {
  cat <<'YAML'
problem:
  type: ridge_l2
  train: {format: synthetic, generator: gaussian, rows: 40, features: 8, classes: 0, noise: 0.1, seed: 3, stream: 0}
  val:   {format: synthetic, generator: gaussian, rows: 30, features: 8, classes: 0, noise: 0.1, seed: 3, stream: 1}
hyperparameters: {init: -2.0}
inner: {solver: gradient_descent, step_size: auto, iterations: 10}
hypergradient: {method: aid_cg, iterations: 5, tol: 0}
YAML
}
mkdir "$tmp/a_directory"


expect_hypergrad_error unknown_ksp_type "Unable to find requested KSP type nonexistent" "$(base)" -adjoint_ksp_type nonexistent
expect_hypergrad_error not_a_number "-adjoint_*" "$(base)" -adjoint_ksp_rtol abc
expect_hypergrad_error lu_on_shell "factorization type LU" "$(base)" -adjoint_pc_type lu
expect_hypergrad_error exact_unknown_line_search "-exact_*" "$(base | sed 's/method: aid_cg/method: exact/')" \
  -exact_snes_linesearch_type nonexistent
expect_hypergrad_error yaml_unknown_ksp_type "KSP type nonexistent" "$(base; echo 'petsc_options: "-adjoint_ksp_type nonexistent"')"
expect_hypergrad_error yaml_options_file "/nonexistent/options" "$(base; echo 'petsc_options: "-options_file /nonexistent/options"')"
expect_hypergrad_error cli_options_file "-options_file '/nonexistent/options'" "$(base)" -options_file /nonexistent/options
expect_hypergrad_error cli_options_file_directory "is a directory" "$(base)" -options_file "$tmp/a_directory"
expect_hypergrad_error log_view_unwritable "-log_view" "$(base)" -log_view :/nonexistent/log.txt
# PETSc opens monitor files on rank 0 only: the other ranks must not run ahead.
expect_hypergrad_error monitor_unwritable "Cannot open PetscViewer file" "$(base)" -adjoint_ksp_monitor ascii:/nonexistent/m.txt

# -log_view: on the command line to a file, and from petsc_options (after PetscInitialize).
base > "$tmp/good.yaml"
if timeout 120 "$run_mpi" "$n" "$bin" hypergrad "$tmp/good.yaml" -log_view ":$tmp/log.txt" > "$tmp/out" 2> "$tmp/err" \
   && grep -q "HpAdjointSolve" "$tmp/log.txt"; then
  echo "ok   log_view_file"
else
  echo "FAIL log_view_file"; cat "$tmp/err"; failures=$((failures+1))
fi
(base; echo 'petsc_options: "-log_view"') > "$tmp/yaml_log_view.yaml"
if timeout 120 "$run_mpi" "$n" "$bin" hypergrad "$tmp/yaml_log_view.yaml" > "$tmp/out" 2> "$tmp/err" \
   && grep -q "HpAdjointSolve" "$tmp/out"; then
  echo "ok   yaml_log_view"
else
  echo "FAIL yaml_log_view"; cat "$tmp/err"; failures=$((failures+1))
fi

echo "$failures failure(s)"
[ $failures -eq 0 ]
