#!/bin/bash
# Checkpoint and resume: a run killed with SIGKILL at a random step and resumed gives the
# same metrics rows (all columns but seconds) and the same final λ as an uninterrupted
# run: to 1e-12 on the same rank count, to 1e-9 on another. SIGUSR1 checkpoints and exits
# 75; a locked folder, a checkpoint of another configuration, and --resume with nothing
# to resume are refused (exit 2) and harm nothing.
# Usage: cli_resume.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"
py=/usr/bin/python3
other=$([ "$n" = 1 ] && echo 2 || echo 1)


# λ stays above −4 here: lower, the adjoint system grows so ill-conditioned that CG's 60
# iterations amplify rounding differences between rank counts to ~1e-7 in ĝ within a few
# steps (an uninterrupted 1-rank and 2-rank run differ as much), so 1e-9 across rank
# counts is only meaningful where CG is stable.
cat > "$tmp/run.yaml" <<YAML
problem:
  type: logistic_l2
  train: {format: synthetic, generator: sparse_text, rows: 3000, features: 2000, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 3, stream: 0}
  val:   {format: synthetic, generator: sparse_text, rows: 2000, features: 2000, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 3, stream: 1}
  test:  {format: synthetic, generator: sparse_text, rows: 1000, features: 2000, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 3, stream: 2}
hyperparameters: {init: -2.0, bounds: [-8, 2]}
inner: {iterations: 60}
hypergradient: {method: aid_cg, iterations: 60}
outer: {optimizer: adam, learning_rate: 0.05, iterations: 30}
run: {checkpoint_every: 3}
store: $tmp/runs.db
YAML

# Waits until metrics.csv of DIR has more than ROWS data rows (or the process is gone).
wait_rows() {  # DIR ROWS PID
  for _ in $(seq 600); do
    [ -f "$1/metrics.csv" ] && [ "$(($(wc -l < "$1/metrics.csv") - 1))" -gt "$2" ] && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# compare A B TOL: metrics rows (but seconds) and lambda.txt agree to TOL (relative).
compare() {
  $py - "$1" "$2" "$3" <<'PY'
import csv, sys
a, b, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
ra = list(csv.DictReader(open(a + "/metrics.csv"))); rb = list(csv.DictReader(open(b + "/metrics.csv")))
assert len(ra) == len(rb), (len(ra), len(rb))
for x, y in zip(ra, rb):
    assert x["step"] == y["step"], (x["step"], y["step"])
    for k in x:
        if k == "seconds": continue
        if tol > 1e-12 and k == "solver_iterations": continue  # CG's rounding floor may move one iteration
        if x[k] == "" or y[k] == "":
            assert x[k] == y[k], (k, x[k], y[k]); continue
        u, v = float(x[k]), float(y[k])
        assert abs(u - v) <= tol * max(1e-300, abs(v)) or abs(u - v) <= 1e-300, (x["step"], k, u, v)
la = [float(s) for s in open(a + "/lambda.txt")]; lb = [float(s) for s in open(b + "/lambda.txt")]
assert len(la) == len(lb)
assert all(abs(u - v) <= tol * max(1.0, abs(v)) for u, v in zip(la, lb)), max(abs(u - v) for u, v in zip(la, lb))
PY
}

"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/full" --quiet > /dev/null 2> "$tmp/err"
check $? "uninterrupted run"
grep -q '"test_accuracy": [0-9]' "$tmp/full/summary.json"; check $? "summary has test accuracy"

# run.refit: re-trained on train ∪ validation at the final λ; test metrics in the summary.
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/refit" --set run.refit=true --set outer.iterations=3 --quiet > /dev/null 2> "$tmp/err"
$py - "$tmp/refit/summary.json" "$tmp/refit/metrics.csv" <<'PY' 2> "$tmp/err"
import csv, json, sys
s = json.load(open(sys.argv[1])); rows = list(csv.DictReader(open(sys.argv[2])))
r = s["refit"]
assert 0 < r["test_accuracy"] <= 1 and r["test_loss"] > 0, r
assert r["test_loss"] != float(rows[-1]["test_loss"]), "refit must train another model"
assert all(row["train_loss"] and row["val_accuracy"] and row["test_accuracy"] for row in rows)
PY
check $? "run.refit reports test metrics of the re-trained model; every row has train/val/test metrics"

# SIGKILL at a random step, to every process of the job: its session (mpirun puts the
# ranks in process groups of their own, but they stay in the session), then --resume on RANKS.
kill_and_resume() {  # DIR RANKS TOL NAME
  local rows=$(( (RANDOM % 15) + 4 ))
  setsid "$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$1" --quiet > /dev/null 2> "$tmp/err" &
  local pid=$!
  wait_rows "$1" "$rows" "$pid"
  pkill -9 -s "$pid"; wait "$pid" 2>/dev/null
  echo "     killed after $(($(wc -l < "$1/metrics.csv") - 1)) rows; resuming on $2 rank(s)"
  "$run_mpi" "$2" "$bin" run "$tmp/run.yaml" --set run.dir="$1" --resume --quiet > /dev/null 2> "$tmp/err"; rc=$?; [ $rc = 0 ] || { ls -la "$1"; cat "$tmp/err"; }; (exit $rc)
  check $? "$4: resume exits 0"
  grep -q '"status": "COMPLETED"' "$1/summary.json"; check $? "$4: completed"
  compare "$1" "$tmp/full" "$3" 2> "$tmp/err"; check $? "$4: same rows and λ as the uninterrupted run (tol $3)"
}
kill_and_resume "$tmp/k1" "$n" 1e-12 "SIGKILL, same ranks"
kill_and_resume "$tmp/k2" "$other" 1e-9 "SIGKILL, $other rank(s)"

# SIGUSR1 (Slurm's pre-timeout signal): checkpoint, exit 75, INTERRUPTED; resume completes.
setsid "$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/sig" --quiet > /dev/null 2> "$tmp/err" &
pid=$!
wait_rows "$tmp/sig" 5 "$pid"
kill -USR1 -- -"$pid"
wait "$pid"; rc=$?
[ $rc -eq 75 ] && grep -q '"status": "INTERRUPTED"' "$tmp/sig/summary.json" && [ -f "$tmp/sig/checkpoint.json" ]
check $? "SIGUSR1: checkpoint, INTERRUPTED, exit 75 (got $rc)"
"$run_mpi" "$n" "$bin" runs list --store "$tmp/runs.db" > "$tmp/list" 2> "$tmp/err"
grep -q "INTERRUPTED" "$tmp/list"; check $? "the store says INTERRUPTED"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/sig" --resume --quiet > /dev/null 2> "$tmp/err"
check $? "resume after SIGUSR1"
compare "$tmp/sig" "$tmp/full" 1e-12 2> "$tmp/err"; check $? "SIGUSR1 then resume: same rows and λ"
"$run_mpi" "$n" "$bin" runs list --store "$tmp/runs.db" --json > "$tmp/list" 2> "$tmp/err"
$py - "$tmp/list" "$tmp/sig" <<'PY' 2> "$tmp/err"
import json, sys
trials = json.load(open(sys.argv[1]))
mine = [t for t in trials if t["run_dir"].endswith("/sig")] if trials and "run_dir" in trials[0] else trials
assert not any(t["status"] == "RUNNING" for t in trials), trials
assert any(t["status"] == "COMPLETED" for t in trials)
PY
check $? "no trial left RUNNING in the store"

# A second process on a folder in use is refused; the first is unharmed.
setsid "$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/busy" --quiet > /dev/null 2> "$tmp/err1" &
pid=$!
wait_rows "$tmp/busy" 1 "$pid"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/busy" --resume --quiet > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "in use by another hyperpetsc process" "$tmp/err"; check $? "a locked folder is refused (rc $rc)"
wait "$pid"; rc=$?
[ $rc -eq 0 ] && compare "$tmp/busy" "$tmp/full" 1e-12 2> "$tmp/err"; check $? "the first run is unharmed"

# Refusals: exit 2, one message, nothing changed.
sum_before=$(cat "$tmp/full"/* 2>/dev/null | md5sum)
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/full" --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "already holds a run" "$tmp/err"; check $? "a fresh run into a used folder is refused"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/full" --resume --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "already completed" "$tmp/err"; check $? "--resume of a completed run is refused"
[ "$(cat "$tmp/full"/* 2>/dev/null | md5sum)" = "$sum_before" ]; check $? "the refused commands changed nothing"
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/none" --resume --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "nothing to resume" "$tmp/err"; check $? "--resume with nothing to resume"
# A checkpoint of another configuration.
setsid "$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/cfg" --quiet > /dev/null 2> "$tmp/err" &
pid=$!
wait_rows "$tmp/cfg" 4 "$pid"
pkill -9 -s "$pid"; wait "$pid" 2>/dev/null
sum_before=$(cat "$tmp/cfg"/* 2>/dev/null | md5sum)
"$run_mpi" "$n" "$bin" run "$tmp/run.yaml" --set run.dir="$tmp/cfg" --set inner.iterations=31 --resume --quiet > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "inner.iterations" "$tmp/err"; check $? "a checkpoint of another configuration is refused"
[ "$(cat "$tmp/cfg"/* 2>/dev/null | md5sum)" = "$sum_before" ]; check $? "... and the folder is unchanged"

echo "$failures failure(s)"
[ $failures -eq 0 ]
