#!/bin/bash
# Sweeps over rank groups: every trial runs once in run.dir/trials/<i>/ with its rows in
# the store; a bad value fails its trial alone (exit 0 while any trial completed); a
# trial gives the same result alone as inside a sweep, on any group size; a signal stops
# the sweep with exit 75 and --resume runs only the unfinished trials.
# Usage: cli_sweep.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"
py=/usr/bin/python3


cat > "$tmp/base.yaml" <<YAML
problem:
  type: logistic_l2
  train: {format: synthetic, generator: sparse_text, rows: 400, features: 300, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 3, stream: 0}
  val:   {format: synthetic, generator: sparse_text, rows: 300, features: 300, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 3, stream: 1}
  test:  {format: synthetic, generator: sparse_text, rows: 300, features: 300, nnz_per_row: 20, classes: 3, noise: 0.5, seed: 3, stream: 2}
hyperparameters: {init: -3.0, bounds: [-8, 2]}
inner: {iterations: 30}
hypergradient: {method: aid_cg, iterations: 30}
outer: {optimizer: adam, learning_rate: 0.1, iterations: 6}
store: $tmp/runs.db
YAML
cp "$tmp/base.yaml" "$tmp/sweep.yaml"
cat >> "$tmp/sweep.yaml" <<'YAML'
sweep:
  grid: {hyperparameters.init: [-4, -2, 5], hypergradient.method: [aid_cg, itd]}
YAML

groups=$([ "$n" -ge 2 ] && echo 1 || echo 1)
"$run_mpi" "$n" "$bin" run "$tmp/sweep.yaml" --set run.dir="$tmp/sw" --ranks-per-trial "$groups" > "$tmp/out" 2> "$tmp/err"
check $? "a sweep with failing trials exits 0"
grep -q "4 of 6 trials completed, 2 failed" "$tmp/out"; check $? "the status table counts them"
$py - "$tmp/sw" <<'PY' 2> "$tmp/err"
import json, os, sys
d = sys.argv[1]
s = json.load(open(d + "/sweep.json"))["trials"]
assert len(s) == 6
for t in s:
    assert t["status"] == ("FAILED" if t["params"]["hyperparameters.init"] == 5 else "COMPLETED"), t
    if t["status"] == "FAILED": assert "must lie within hyperparameters.bounds" in t["error"], t
    summ = json.load(open(f"{d}/trials/{t['index']}/summary.json"))
    assert summ["status"] == t["status"] and summ["params"] == t["params"], summ
PY
check $? "sweep.json and each trial's summary agree"
"$run_mpi" 1 "$bin" runs list --store "$tmp/runs.db" --json > "$tmp/list" 2> "$tmp/err"
$py - "$tmp/list" <<'PY' 2> "$tmp/err"
import json, sys
t = json.load(open(sys.argv[1]))
assert len(t) == 6 and sorted(x["status"] for x in t) == ["COMPLETED"] * 4 + ["FAILED"] * 2, t
assert len({x["experiment"] for x in t}) == 1
PY
check $? "the store holds the 6 trials under one experiment"
ids=$($py -c "import json,sys; print(' '.join(str(x['id']) for x in json.load(open(sys.argv[1])) if x['status'] == 'COMPLETED'))" "$tmp/list")
rows=0
for id in $ids; do
  r=$("$run_mpi" 1 "$bin" runs show "$id" --store "$tmp/runs.db" --json | $py -c "import json,sys; print(len(json.load(sys.stdin)['steps']))")
  rows=$((rows + r))
done
[ "$rows" = 28 ]  # 4 completed trials x 7 steps, written by two groups at once (np2)
check $? "no step row lost by concurrent writers (got $rows of 28)"

# Trial 0 alone (all ranks, a plain run) equals trial 0 of the sweep (one rank per group).
"$run_mpi" "$n" "$bin" run "$tmp/base.yaml" --set run.dir="$tmp/alone" --set hyperparameters.init=-4 --quiet > /dev/null 2> "$tmp/err"
$py - "$tmp/alone/metrics.csv" "$tmp/sw/trials/0/metrics.csv" <<'PY' 2> "$tmp/err"
import csv, sys
a = list(csv.DictReader(open(sys.argv[1]))); b = list(csv.DictReader(open(sys.argv[2])))
assert len(a) == len(b)
for x, y in zip(a, b):
    for k in x:
        if k in ("seconds", "solver_iterations") or x[k] == "": continue
        assert abs(float(x[k]) - float(y[k])) <= 1e-9 * max(1, abs(float(y[k]))), (k, x[k], y[k])
PY
check $? "a trial alone equals the trial inside the sweep"

# Errors before any trial: exit 2, one message.
"$run_mpi" "$n" "$bin" run "$tmp/sweep.yaml" --set run.dir="$tmp/sw" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "already holds a sweep" "$tmp/err"; check $? "a second sweep into the folder is refused"
if [ "$n" -ge 2 ]; then
  "$run_mpi" "$n" "$bin" run "$tmp/sweep.yaml" --set run.dir="$tmp/sw3" --ranks-per-trial 3 > /dev/null 2> "$tmp/err"
  [ $? -eq 2 ] && grep -q "does not divide" "$tmp/err" && [ ! -e "$tmp/sw3" ]; check $? "--ranks-per-trial must divide the ranks"
fi
cp "$tmp/base.yaml" "$tmp/bad.yaml"; printf 'sweep:\n  grid: {inner.iterationz: [1, 2]}\n' >> "$tmp/bad.yaml"
"$run_mpi" "$n" "$bin" run "$tmp/bad.yaml" --set run.dir="$tmp/bad" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "iterationz" "$tmp/err" && [ ! -e "$tmp/bad" ]; check $? "an unknown swept key is refused before anything"
cp "$tmp/base.yaml" "$tmp/bad2.yaml"; printf 'sweep:\n  grid: {run.dir: [a, b]}\n' >> "$tmp/bad2.yaml"
"$run_mpi" "$n" "$bin" run "$tmp/bad2.yaml" --set run.dir="$tmp/bad2" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "run.dir" "$tmp/err"; check $? "a key that is not sweepable is refused"
"$run_mpi" "$n" "$bin" run "$tmp/base.yaml" --set run.dir="$tmp/nosweep" --ranks-per-trial 1 > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "applies to sweeps" "$tmp/err"; check $? "--ranks-per-trial without a sweep is refused"

# A signal stops the sweep (exit 75); --resume runs only the unfinished trials.
cp "$tmp/base.yaml" "$tmp/long.yaml"
sed -i 's/rows: 400, features: 300/rows: 3000, features: 2000/; s/rows: 300, features: 300/rows: 2000, features: 2000/g; s/iterations: 6}/iterations: 12}/' "$tmp/long.yaml"
printf 'sweep:\n  list: [{hyperparameters.init: -3}, {hyperparameters.init: -2}, {hyperparameters.init: -1}, {hyperparameters.init: 0}]\n' >> "$tmp/long.yaml"
setsid "$run_mpi" "$n" "$bin" run "$tmp/long.yaml" --set run.dir="$tmp/long" --ranks-per-trial 1 > "$tmp/out" 2> "$tmp/err" &
pid=$!
for _ in $(seq 600); do [ -f "$tmp/long/trials/0/summary.json" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
for _ in $(seq 600); do [ -f "$tmp/long/trials/1/metrics.csv" ] && [ "$(wc -l < "$tmp/long/trials/1/metrics.csv")" -gt 3 ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -USR1 -- -"$pid"; wait "$pid"; rc=$?
[ $rc -eq 75 ]; check $? "SIGUSR1 stops the sweep with exit 75 (got $rc)"
before=$(md5sum "$tmp/long/trials/0/metrics.csv" | cut -d' ' -f1)
"$run_mpi" "$n" "$bin" run "$tmp/long.yaml" --set run.dir="$tmp/long" --ranks-per-trial 1 --resume > "$tmp/out" 2> "$tmp/err"
check $? "the resumed sweep completes"
[ "$(md5sum "$tmp/long/trials/0/metrics.csv" | cut -d' ' -f1)" = "$before" ] && grep -q "SKIPPED" "$tmp/out"
check $? "a finished trial is not run again"
$py - "$tmp/long" <<'PY' 2> "$tmp/err"
import json, sys
s = json.load(open(sys.argv[1] + "/sweep.json"))["trials"]
for t in s:
    summ = json.load(open(f"{sys.argv[1]}/trials/{t['index']}/summary.json"))
    assert summ["status"] == "COMPLETED" and summ["outer_steps"] == 12, (t["index"], summ)
PY
check $? "every trial completed its 12 steps"

echo "$failures failure(s)"
[ $failures -eq 0 ]
