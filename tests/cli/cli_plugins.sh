#!/bin/bash
# A problem and a method registered from outside src/ (tests/cli/plugin_main.cpp) appear
# in --help, in the message for an unknown name, and in `compare`; a UserError thrown inside
# a Jacobian product (a PETSc callback) reaches the user as exit 2 with its own message.
# Usage: cli_plugins.sh PLUGIN_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"


"$run_mpi" "$n" "$bin" --help > "$tmp/out" 2> "$tmp/err"
grep -q "toy_quadratic .*test plugin" "$tmp/out" && grep -q "toy_aid_cg .*test plugin" "$tmp/out" \
  && grep -q "throw_after: 0" "$tmp/out"
check $? "help lists the plugin problem, its keys and the plugin method"

cat > "$tmp/toy.yaml" <<YAML
problem: {type: toy_quadratic, size: 12, step: 0.2}
hyperparameters: {init: -1.0}
inner: {iterations: 30}
hypergradient: {method: toy_aid_cg, iterations: 30}
YAML
"$run_mpi" "$n" "$bin" hypergrad "$tmp/toy.yaml" --set problem.type=nonesuch > "$tmp/out" 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "toy_quadratic" "$tmp/err"
check $? "an unknown problem.type lists the plugin problem"
"$run_mpi" "$n" "$bin" hypergrad "$tmp/toy.yaml" --set hypergradient.method=nonesuch > "$tmp/out" 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "toy_aid_cg" "$tmp/err"
check $? "an unknown hypergradient.method lists the plugin method"
"$run_mpi" "$n" "$bin" hypergrad "$tmp/toy.yaml" --set problem.sizee=3 > "$tmp/out" 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "problem.sizee" "$tmp/err" && grep -q "size, step, throw_after" "$tmp/err"
check $? "the plugin's own keys are validated like any other"

"$run_mpi" "$n" "$bin" compare "$tmp/toy.yaml" --json "$tmp/cmp.json" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 0 ] && grep -q "^toy_aid_cg " "$tmp/out" && grep -q '"method": "toy_aid_cg"' "$tmp/cmp.json"
check $? "compare runs the plugin method on the plugin problem"
# toy_aid_cg (CG with k = 30) agrees with aid_cg to the digits compare prints.
a=$(grep "^toy_aid_cg " "$tmp/out" | awk '{print $5}'); b=$(grep "^aid_cg " "$tmp/out" | awk '{print $5}')
[ -n "$a" ] && [ "$a" = "$b" ]
check $? "toy_aid_cg's error equals aid_cg's ($a vs $b)"

"$run_mpi" "$n" "$bin" hypergrad "$tmp/toy.yaml" --set problem.throw_after=3 --json "$tmp/thrown.json" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] && [ "$(grep -c 'hyperpetsc: error: toy_quadratic: product 3 refused on purpose' "$tmp/err")" = 1 ] \
  && [ ! -e "$tmp/thrown.json" ]
check $? "a UserError thrown inside a PETSc callback exits 2 with its own message (rc=$rc)"

echo "$failures failure(s)"
[ $failures -eq 0 ]
