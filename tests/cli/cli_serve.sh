#!/bin/bash
# `hyperpetsc serve --spool DIR`: real jobs (a good one, a malformed one, a file that is not
# a job), DIR/stop (exit 0), a signal during a job (exit 75, the job stays in running/) and
# the next service resuming it to the same λ as an uninterrupted run; errors (exit 2).
# Usage: cli_serve.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"
py=/usr/bin/python3
spool="$tmp/spool"
# A check that fails must not leave a service behind: stop it, kill it, then clean up.
services=""
trap 'touch "$spool/stop" 2> /dev/null; for p in $services; do kill "$p" 2> /dev/null; done; rm -rf "$tmp"' EXIT

# wait_for SECONDS CONDITION...: polls the condition every 0.1 s.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.1; done
}
rows_at_least() { [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ]; }

# config OUTER_ITERATIONS [ROWS FEATURES INNER_ITERATIONS]: a synthetic logistic regression
# (default 200 x 100, 30 inner steps) with its store in $tmp
config() {
  cat <<YAML
problem:
  type: logistic_l2
  train: {format: synthetic, generator: sparse_text, rows: ${2:-200}, features: ${3:-100}, nnz_per_row: 10, classes: 3, noise: 0.5, seed: 2, stream: 0}
  val:   {format: synthetic, generator: sparse_text, rows: ${2:-200}, features: ${3:-100}, nnz_per_row: 10, classes: 3, noise: 0.5, seed: 2, stream: 1}
hyperparameters: {init: -4.0, bounds: [-6, 0]}
inner: {iterations: ${4:-30}}
hypergradient: {method: aid_cg, iterations: ${4:-30}}
outer: {optimizer: adam, learning_rate: 0.2, iterations: $1}
store: $tmp/runs.db
YAML
}

# 1. One good job, one malformed, one that is not a job; then DIR/stop.
mkdir -p "$spool/incoming"
config 4 > "$spool/incoming/good.yaml"
printf 'outer: {iterations: [\n' > "$spool/incoming/bad.yaml"
{ config 4; echo 'petsc_options: "-adjoint_ksp_type no_such_type"'; } > "$spool/incoming/badopts.yaml"
echo "not a job" > "$spool/incoming/readme.txt"
config 2 > "$spool/incoming/it's: odd.yaml"  # a name that is no plain YAML scalar
{ config 2; echo "sweep: {grid: {outer.learning_rate: [0.1, 0.3]}}"; } > "$spool/incoming/sweep.yaml"
# One rank per trial: the sweep's trials run side by side; plain runs use every rank.
"$run_mpi" "$n" "$bin" serve --spool "$spool" --ranks-per-trial 1 > "$tmp/out" 2> "$tmp/err" &
pid=$!
services="$services $pid"
wait_for 180 test -f "$spool/done/good.yaml" -a -f "$spool/done/it's: odd.yaml" -a -f "$spool/failed/bad.yaml" \
  -a -f "$spool/failed/badopts.yaml" -a -f "$spool/done/sweep.yaml"
check $? "the good jobs (runs, a sweep) are done, the malformed ones failed"
kill -0 $pid 2> /dev/null
check $? "the service goes on after a failed job"
touch "$spool/stop"
wait $pid
check $? "DIR/stop: exit 0"
grep -q "COMPLETED" "$spool/results/good/summary.json" && [ -s "$spool/results/good/lambda.txt" ] &&
  grep -q "COMPLETED" "$spool/results/it's: odd/summary.json" &&
  grep -q "dir: \"$spool/results/it's: odd\"" "$spool/results/it's: odd/config.resolved.yaml" &&
  [ -s "$spool/results/sweep/sweep.json" ] && [ -d "$spool/results/sweep/trials" ]
check $? "a job without run.dir writes its results to DIR/results/<name>"
grep -q "run folder: $spool/results/good" "$spool/done/good.log"
check $? "done/good.log names the run folder"
grep -q "bad.yaml" "$spool/failed/bad.error.txt" && grep -q "no_such_type" "$spool/failed/badopts.error.txt"
check $? "failed/NAME.error.txt holds the error (bad YAML, bad petsc_options)"
# badopts.yaml ran just before good.yaml: its options did not outlive it, or good would fail.
[ -f "$spool/incoming/readme.txt" ] && [ -z "$(ls "$spool/running")" ]
check $? "a file that is not *.yaml stays in incoming/; running/ is empty"
[ "$(grep -c "^serve: done 'good.yaml'" "$tmp/out")" = 1 ] && grep -q "^serve: failed 'bad.yaml'" "$tmp/out" &&
  grep -q "^serve: stopping: " "$tmp/out"
check $? "one line per event on the coordinator"
"$run_mpi" "$n" "$bin" runs list --json --store "$tmp/runs.db" > "$tmp/runs.json" 2> "$tmp/err"
$py - "$tmp/runs.json" <<'PY'
import json, sys
trials = json.load(open(sys.argv[1]))
status = sorted((t["experiment"], t["status"]) for t in trials)
assert status == [("badopts", "FAILED"), ("good", "COMPLETED"), ("it's: odd", "COMPLETED"),
                  ("sweep", "COMPLETED"), ("sweep", "COMPLETED")], trials
assert sorted(t["params"].get("outer.learning_rate") for t in trials if t["experiment"] == "sweep") == [0.1, 0.3], trials
assert "no_such_type" in [t for t in trials if t["experiment"] == "badopts"][0]["error"]
PY
check $? "the jobs' trials are in the config's store (the failed one with its error)"

# 2. A signal during a job: checkpoint, exit 75, the job stays in running/; the next
# service resumes it first and ends with the λ of an uninterrupted run.
# Steps of a few hundredths of a second (60 of them) leave the signal time to arrive.
rm -f "$spool/stop"
config 60 2000 500 50 > "$spool/incoming/long.yaml"
"$run_mpi" "$n" "$bin" serve --spool "$spool" --quiet > "$tmp/out" 2> "$tmp/err" &
pid=$!
services="$services $pid"
wait_for 180 rows_at_least "$spool/results/long/metrics.csv" 3
kill -USR1 $pid  # mpirun passes SIGUSR1 on to every rank
wait $pid
[ $? = 75 ]
check $? "a signal during a job: exit 75"
[ -f "$spool/running/long.yaml" ] && [ -f "$spool/results/long/checkpoint.json" ]
check $? "the interrupted job stays in running/ with its checkpoint"
config 2 > "$spool/incoming/after.yaml"
# Also left in running/: a job that never started, and one whose run had completed.
config 2 > "$spool/running/fresh.yaml"
{ config 2; echo "run: {dir: $spool/results/good}"; } > "$spool/running/again.yaml"
"$run_mpi" "$n" "$bin" serve --spool "$spool" > "$tmp/out" 2> "$tmp/err" &
pid=$!
services="$services $pid"
wait_for 180 test -f "$spool/done/after.yaml"
touch "$spool/stop"
wait $pid
check $? "the next service exits 0 on DIR/stop"
[ "$(grep -E "^serve: (running|resuming) " "$tmp/out" | tr '\n' '|')" = \
  "serve: resuming 'again.yaml'|serve: resuming 'fresh.yaml'|serve: resuming 'long.yaml'|serve: running 'after.yaml'|" ]
check $? "it resumes the jobs in running/ (in name order) before taking new ones"
grep -q "had completed before this start; not run again" "$spool/done/again.log" &&
  grep -q "COMPLETED" "$spool/results/fresh/summary.json"
check $? "a job that had completed is filed, one that never started starts"
grep -q "resumed at step" "$spool/results/long/log.txt"
check $? "the run continued from its checkpoint"
"$run_mpi" "$n" "$bin" run "$spool/done/long.yaml" --set run.dir="$tmp/uninterrupted" --store "$tmp/other.db" --quiet > /dev/null 2> "$tmp/err"
$py - "$spool/results/long/lambda.txt" "$tmp/uninterrupted/lambda.txt" <<'PY'
import sys
a = [float(x) for x in open(sys.argv[1])]; b = [float(x) for x in open(sys.argv[2])]
assert len(a) == len(b) == 500
assert max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(a, b)) <= 1e-12
PY
check $? "the resumed job's λ equals an uninterrupted run's (1e-12)"

# 3. Errors: one message, exit 2, before anything runs.
"$run_mpi" "$n" "$bin" serve > /dev/null 2> "$tmp/err"
[ $? = 2 ] && [ "$(grep -c 'hyperpetsc: error: serve needs --spool' "$tmp/err")" = 1 ]
check $? "serve without --spool is refused"
: > "$tmp/file"
"$run_mpi" "$n" "$bin" serve --spool "$tmp/file/spool" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && [ "$(grep -c 'give --spool a writable folder' "$tmp/err")" = 1 ]
check $? "an unusable spool folder is refused"
rm -f "$spool/stop"
# The previous service's processes may still be going away on a loaded machine: start
# when its lock is free, so the refusal below can only come from the second service.
wait_for 120 flock -n "$spool/serve.lock" true
"$run_mpi" "$n" "$bin" serve --spool "$spool" > "$tmp/out" 2> "$tmp/err" &
pid=$!
services="$services $pid"
# (MPI start-up alone can take tens of seconds on a loaded machine: wait for the first to serve.)
status=none
if wait_for 180 grep -q "^serve: waiting for" "$tmp/out"; then
  timeout 180 "$run_mpi" "$n" "$bin" serve --spool "$spool" > /dev/null 2> "$tmp/err2"
  status=$?
fi
touch "$spool/stop"
wait $pid
[ $? = 0 ] && [ $status = 2 ] && grep -q "is served by another hyperpetsc process" "$tmp/err2"
check $? "a second service on one spool is refused, the first is unharmed"

echo "$failures failure(s)"
[ $failures -eq 0 ]
