#!/bin/bash
# `hyperpetsc run`: the outer loop's files and their contract, agreement with 1 rank,
# bounds, stopping rules, warm starts, and errors before any computation.
# Usage: cli_run.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"
py=/usr/bin/python3


cat > "$tmp/run.yaml" <<YAML
problem:
  type: logistic_l2
  train: {format: synthetic, generator: sparse_text, rows: 300, features: 400, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 2, stream: 0}
  val:   {format: synthetic, generator: sparse_text, rows: 300, features: 400, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 2, stream: 1}
hyperparameters: {init: -4.0, bounds: [-6, 0]}
inner: {iterations: 40}
hypergradient: {method: aid_cg, iterations: 40, tol: 1e-6}
outer: {optimizer: adam, learning_rate: 0.2, iterations: 8}
store: $tmp/runs.db
YAML

"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/out" --quiet > "$tmp/stdout" 2> "$tmp/err"
check $? "run exits 0"
[ ! -s "$tmp/stdout" ]; check $? "--quiet prints nothing"
for f in config.resolved.yaml metrics.csv lambda.txt summary.json log.txt; do
  [ -s "$tmp/out/$f" ]; check $? "writes $f"
done
[ "$(head -1 "$tmp/out/metrics.csv")" = "step,seconds,train_loss,val_loss,val_accuracy,test_loss,test_accuracy,hypergradient_norm,inner_iterations,solver_iterations,lambda_min,lambda_mean,lambda_max" ]
check $? "metrics.csv header is the contract"
$py - "$tmp/out" <<'PY'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/metrics.csv")))
s = json.load(open(d + "/summary.json"))
lam = [float(x) for x in open(d + "/lambda.txt")]
assert len(rows) == 9, len(rows)                       # steps 0..8
assert s["status"] == "COMPLETED" and s["outer_steps"] == 8 and s["stop_reason"] == "iterations", s
assert float(rows[-1]["val_loss"]) < float(rows[0]["val_loss"]), "validation loss did not decrease"
assert abs(s["final"]["val_loss"] - float(rows[-1]["val_loss"])) <= 1e-12 * abs(s["final"]["val_loss"])
assert min(float(r["val_loss"]) for r in rows) == s["best"]["val_loss"]
assert len(lam) == 400 and all(-6 <= x <= 0 for x in lam), "lambda.txt: 400 values within bounds"
assert abs(min(lam) - float(rows[-1]["lambda_min"])) < 1e-9 * max(1, abs(min(lam)))
PY
check $? "metrics, summary and lambda.txt agree; val loss decreases; bounds hold"

# Same run on one rank: every column but seconds agrees to rounding. (With a tolerance on
# the adjoint solve, rounding differences are amplified through the outer steps to ~1e-8;
# with fixed k they stay at ~1e-10.)
if [ "$n" != 1 ]; then
  "$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/many" --set hypergradient.tol=0 --quiet > /dev/null 2> "$tmp/err"
  "$run_mpi" 1 "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/one" --set hypergradient.tol=0 --quiet > /dev/null 2> "$tmp/err"
  $py - "$tmp/many/metrics.csv" "$tmp/one/metrics.csv" "$tmp/many/lambda.txt" "$tmp/one/lambda.txt" <<'PY'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1]))); b = list(csv.DictReader(open(sys.argv[2])))
assert len(a) == len(b)
for ra, rb in zip(a, b):
    for k in ra:
        # seconds: wall clock; solver_iterations: CG stops at the rounding floor (10ε‖b‖),
        # which rounding reaches one iteration sooner or later on another rank count.
        if k in ("seconds", "solver_iterations") or ra[k] == "": continue
        x, y = float(ra[k]), float(rb[k])
        assert abs(x - y) <= 1e-9 * max(1.0, abs(y)), (k, x, y)
la = [float(x) for x in open(sys.argv[3])]; lb = [float(x) for x in open(sys.argv[4])]
assert max(abs(x - y) for x, y in zip(la, lb)) <= 1e-9
PY
  check $? "metrics and λ agree with 1 rank"
fi

# Warm starts: fewer adjoint iterations in all than cold starts, same trajectory to tolerance.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/cold" --set inner.warm_start=false \
  --set hypergradient.warm_start=false --quiet > /dev/null 2> "$tmp/err"
$py - "$tmp/out/metrics.csv" "$tmp/cold/metrics.csv" <<'PY'
import csv, sys
warm = list(csv.DictReader(open(sys.argv[1]))); cold = list(csv.DictReader(open(sys.argv[2])))
w = sum(int(r["solver_iterations"]) for r in warm[1:]); c = sum(int(r["solver_iterations"]) for r in cold[1:])
print(f"     adjoint iterations after step 0: warm {w}, cold {c}")
assert w < c, (w, c)
PY
check $? "warm starts need fewer adjoint iterations"

# Stopping rules.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/tol" --set outer.tol=1e9 --quiet > /dev/null 2> "$tmp/err"
grep -q '"stop_reason": "tol"' "$tmp/tol/summary.json" && [ "$(wc -l < "$tmp/tol/metrics.csv")" = 2 ]
check $? "outer.tol stops at the first step"
# A step so long that λ sits on the bounds and the validation loss stops improving.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/pat" --set outer.learning_rate=1e5 \
  --set outer.optimizer=sgd --set outer.patience=2 --set outer.iterations=50 --quiet > /dev/null 2> "$tmp/err"
grep -q '"stop_reason": "patience"' "$tmp/pat/summary.json"
check $? "outer.patience stops a run that stops improving"

# outer.optimizer: tao (any TAO type through -outer_), bounds as TAO's variable bounds.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/tao" --set outer.optimizer=tao \
  --set outer.learning_rate=null -outer_tao_type bqnls --quiet > /dev/null 2> "$tmp/err"
check $? "tao runs (bqnls)"
$py - "$tmp/tao" <<'PY'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/metrics.csv")))
lam = [float(x) for x in open(d + "/lambda.txt")]
assert len(rows) == 9 and float(rows[-1]["val_loss"]) < float(rows[0]["val_loss"]), [r["val_loss"] for r in rows]
assert all(-6 <= x <= 0 for x in lam)
PY
check $? "tao: 9 evaluations, val loss decreases, λ within bounds"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/tao2" --set outer.optimizer=tao \
  --set outer.learning_rate=null -outer_tao_type nosuchtype --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "outer_" "$tmp/err"
check $? "a bad -outer_tao_type is a user error"

# hyperparameters.init from a file: the final λ of a run starts the next one.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/from_file" --set hyperparameters.init="$tmp/out/lambda.txt" \
  --set outer.iterations=0 --quiet > /dev/null 2> "$tmp/err"
check $? "init from a lambda.txt"
$py - "$tmp/out/metrics.csv" "$tmp/from_file/metrics.csv" <<'PY'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1])))[-1]; b = list(csv.DictReader(open(sys.argv[2])))[0]
for k in ("lambda_min", "lambda_mean", "lambda_max"):
    assert abs(float(a[k]) - float(b[k])) <= 1e-12 * max(1, abs(float(a[k]))), (k, a[k], b[k])
PY
check $? "... and starts at that λ"
head -5 "$tmp/out/lambda.txt" > "$tmp/short.txt"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/bad1" --set hyperparameters.init="$tmp/short.txt" --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "holds 5 values; this problem has 400" "$tmp/err" && [ ! -f "$tmp/bad1/metrics.csv" -o "$(wc -l < "$tmp/bad1/metrics.csv")" = 1 ]
check $? "a λ file of the wrong length is refused"
{ head -2 "$tmp/out/lambda.txt"; echo "abc"; } > "$tmp/bad.txt"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/bad2" --set hyperparameters.init="$tmp/bad.txt" --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "line 3: 'abc' is not a finite number" "$tmp/err"
check $? "a λ file with a bad line names it"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/bad3" --set hyperparameters.init="$tmp/nothing.txt" --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "hyperparameters.init" "$tmp/err" && grep -q "not found" "$tmp/err"
check $? "a missing λ file is refused"

# Inexactness schedules: geometric tolerances need fewer iterations in all than fixed t and k.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/sched" --set inner.iterations=400 \
  --set inner.tol=1e-2 --set inner.schedule=geometric --set inner.decay=0.7 --set inner.floor=1e-6 \
  --set hypergradient.iterations=400 --set hypergradient.tol=1e-2 --set hypergradient.schedule=geometric \
  --set hypergradient.decay=0.7 --quiet > /dev/null 2> "$tmp/err"
check $? "geometric schedules run"
$py - "$tmp/sched/metrics.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
inner = [int(r["inner_iterations"]) for r in rows]
assert max(inner) < 400 and inner[0] < inner[-1] + 400, inner   # the tolerance, not the cap, stopped it
print("     inner iterations per step:", inner)
PY
check $? "inner.tol stops the inner solver before its cap"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set inner.decay=0.5 > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "inner.decay" "$tmp/err" && grep -q "only used with" "$tmp/err"
check $? "decay without a geometric schedule is refused"
# A schedule in the file does not stop the command line from turning the tolerance off.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/tol0" --set inner.schedule=geometric \
  --set inner.decay=0.5 --set inner.tol=0 --set outer.iterations=1 --quiet > /dev/null 2> "$tmp/err"
check $? "tol 0 with a geometric schedule left in place runs (fixed t)"

# Errors before any computation: exit 2, one message.
: > "$tmp/file"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/file/sub" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && [ "$(grep -c 'hyperpetsc: error: run.dir' "$tmp/err")" = 1 ]
check $? "an unwritable run.dir is refused"
# The store is checked before any computation too: not an SQLite file, or not writable.
printf 'not a database, just text\n' > "$tmp/text.db"
cp "$tmp/text.db" "$tmp/text.before"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/s1" --store "$tmp/text.db" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && [ "$(grep -c 'hyperpetsc: error:' "$tmp/err")" = 1 ] && grep -q "text.db" "$tmp/err" && cmp -s "$tmp/text.db" "$tmp/text.before" \
  && [ ! -f "$tmp/s1/metrics.csv" ]
check $? "a store that is not an SQLite file is refused and left untouched"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/s2" --set store="$tmp/file/sub/runs.db" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && [ "$(grep -c 'hyperpetsc: error:' "$tmp/err")" = 1 ] && grep -q "runs.db" "$tmp/err" && [ ! -f "$tmp/s2/metrics.csv" ]
check $? "an unwritable store is refused before any computation"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set outer.optimizer=lbfgs > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "outer.optimizer" "$tmp/err" && grep -q "adam | sgd" "$tmp/err"
check $? "an unknown outer.optimizer lists the registry"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set hyperparameters.init=3 > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "must lie within hyperparameters.bounds" "$tmp/err"
check $? "init outside the bounds is refused"

"$run_mpi" "$n" "$bin" hypergrad "$tmp/run.yaml" --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q -- "--quiet is an option of run" "$tmp/err"
check $? "--quiet on another command is refused"

echo "$failures failure(s)"
[ $failures -eq 0 ]
