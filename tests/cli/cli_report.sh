#!/bin/bash
# `hyperpetsc report RUN_DIR`: a hand-written run folder and sweep folder give PNG plots,
# report.md and a self-contained report.html, with one line on standard output; every
# error (missing folder, malformed metrics.csv, bad arguments) exits 2 on every rank with
# one message and writes nothing. The plots themselves are checked by tests/service/test_report.
# Usage: cli_report.sh HYPERPETSC_BINARY NRANKS
. "$(dirname "$0")/cli_common.sh" "$@"

fail() { echo "FAIL $1"; [ -f "$tmp/err" ] && cat "$tmp/err"; failures=$((failures+1)); }
run() { timeout 120 "$run_mpi" "$n" "$bin" report "$@" > "$tmp/out" 2> "$tmp/err"; }

# A run folder as `hyperpetsc run` writes it (regression: empty accuracy cells).
write_run() {  # DIR
  mkdir -p "$1"
  {
    echo "step,seconds,train_loss,val_loss,val_accuracy,test_loss,test_accuracy,hypergradient_norm,inner_iterations,solver_iterations,lambda_min,lambda_mean,lambda_max"
    for s in 0 1 2 3 4 5; do
      echo "$s,$((s+1)).5,0.$((9-s)),0.$((8-s))5,,,,0.00$((6-s)),100,30,-4.$s,-4,-3.$((9-s))"
    done
  } > "$1/metrics.csv"
  printf -- '-4.5\n-3.9\n-4.1\n-4.0\n' > "$1/lambda.txt"
  printf 'problem: {type: ridge_l2, train: {format: synthetic}}\nrun: {dir: %s}\n' "$1" > "$1/config.resolved.yaml"
  printf '{"status": "COMPLETED", "best": {"step": 5, "val_loss": 0.35}, "final": {"step": 5, "val_loss": 0.35},\n "seconds": 6.5, "ranks": 2, "outer_steps": 5, "stop_reason": "iterations"}\n' > "$1/summary.json"
}

write_run "$tmp/run"
if run "$tmp/run"; then
  [ "$(cat "$tmp/out")" = "report: '$tmp/run/report': 5 plots, report.md, report.html" ] || fail "run: stdout $(cat "$tmp/out")"
  for f in loss_by_step.png loss_by_seconds.png hypergradient_norm.png lambda_by_step.png lambda_histogram.png; do
    [ "$(head -c 8 "$tmp/run/report/$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "run: $f is not a PNG"
    grep -qF "]($f)" "$tmp/run/report/report.md" || fail "run: report.md does not link $f"
  done
  [ "$(grep -c 'src="data:image/png;base64,' "$tmp/run/report/report.html")" -eq 5 ] || fail "run: report.html embeds 5 PNGs"
  grep -qF '| COMPLETED | 5 | 6.5 | 2 | iterations |' "$tmp/run/report/report.md" || fail "run: summary table"
  [ -s "$tmp/err" ] && fail "run: wrote to stderr"
  echo "ok   run"
else
  fail "run: exit $?"
fi

mkdir -p "$tmp/sweep/trials"
write_run "$tmp/sweep/trials/1"
write_run "$tmp/sweep/trials/2"
sed -i 's/run: {dir/outer: {learning_rate: 0.5}\nrun: {dir/' "$tmp/sweep/trials/2/config.resolved.yaml"
if run "$tmp/sweep" && grep -qF "2 trials; 7 plots" "$tmp/out" && [ -s "$tmp/sweep/report/trials_val_loss.png" ] \
   && grep -qF '| trial | status | outer.learning\_rate |' "$tmp/sweep/report/report.md"; then
  echo "ok   sweep"
else
  fail "sweep: $(cat "$tmp/out")"
fi

# expect_error NAME EXPECTED_SUBSTRING ARGS...: exit 2, the message once, nothing on stdout.
expect_error() {
  local name="$1" want="$2"; shift 2
  run "$@"
  local rc=$?
  if [ $rc -ne 2 ]; then fail "$name: exit status $rc, expected 2"; return; fi
  grep -qF -- "$want" "$tmp/err" || { fail "$name: message lacks '$want'"; return; }
  [ "$(grep -c "hyperpetsc: error:" "$tmp/err")" -eq 1 ] || { fail "$name: message not printed once"; return; }
  [ -s "$tmp/out" ] && { fail "$name: printed to stdout"; return; }
  echo "ok   $name"
}
expect_error missing_folder "run folder '$tmp/nowhere' does not exist" "$tmp/nowhere"
mkdir -p "$tmp/empty"
expect_error not_a_run "has neither metrics.csv nor summary.json" "$tmp/empty"
write_run "$tmp/bad"
echo "6,7.5,0.3" >> "$tmp/bad/metrics.csv"
expect_error malformed_metrics "'$tmp/bad/metrics.csv' line 8: 3 cells, but the header has 13 columns" "$tmp/bad"
[ -e "$tmp/bad/report" ] && fail "malformed_metrics: the report folder was created"
expect_error no_folder "report needs a RUN_DIR"
# Command-line checks happen alike on every rank: one rank count is enough.
if [ "$n" = 1 ]; then
  expect_error two_folders "unexpected argument 'x'" "$tmp/run" x
  expect_error json "it has no --json" "$tmp/run" --json
  expect_error set "--set does not apply" "$tmp/run" --set a.b=1
fi

echo "$failures failure(s)"
[ $failures -eq 0 ]
