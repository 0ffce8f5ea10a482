#!/bin/bash
# `hyperpetsc runs list|show`: the table, valid JSON, one trial with its steps, and every
# error (missing store, not a database, unknown id, bad sub-command) exits 2 on every rank
# with one message. The store is written through the API by write_test_store.
# Usage: cli_runs.sh HYPERPETSC_BINARY NRANKS WRITE_TEST_STORE_BINARY
. "$(dirname "$0")/cli_common.sh" "$@"
writer="$3"
python=/usr/bin/python3
store="$tmp/store/runs.db"

fail() { echo "FAIL $1"; [ -f "$tmp/err" ] && cat "$tmp/err"; failures=$((failures+1)); }
run() { timeout 120 "$run_mpi" "$n" "$bin" runs "$@" > "$tmp/out" 2> "$tmp/err"; }

"$writer" "$store" || { echo "FAIL could not write the test store"; exit 1; }

# list: a header and three trials; the RUNNING trial of the (exited) writer is INTERRUPTED;
# the error's terminal escapes are escaped, never printed raw.
if run list --store "$store"; then
  [ "$(grep -c '' "$tmp/out")" -eq 4 ] || fail "list: expected 4 lines"
  grep -q '^id  *experiment  *status  *params' "$tmp/out" || fail "list: no header"
  grep -E "^1 .*'demo' .*COMPLETED .*lambda0.*0\.8  *0\.8  *0\.75  *1\.5" "$tmp/out" > /dev/null || fail "list: trial 1"
  grep -qF "FAILED" "$tmp/out" && grep -qF 'inner solve diverged \x1B[31mred' "$tmp/out" || fail "list: trial 2's escaped error"
  grep -q $'\x1b' "$tmp/out" && fail "list: raw escape byte in the output"
  grep -E "^3 .*INTERRUPTED .*is gone" "$tmp/out" > /dev/null || fail "list: dead trial 3 not INTERRUPTED"
  echo "ok   list"
else
  fail "list: exit $?"
fi

if run list --store="$store" --json && $python -m json.tool "$tmp/out" > /dev/null; then
  $python - "$tmp/out" <<'PY' || fail "list --json: content"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["id"] for r in rows] == [1, 2, 3], rows
for r in rows:
    for k in ("id", "experiment", "status", "params", "best_val_loss", "final_val_loss", "seconds", "error"):
        assert k in r, (k, r)
assert rows[0]["params"] == {"lambda0": -1.5, "method": "aid_cg"}
assert rows[0]["status"] == "COMPLETED" and rows[0]["final_val_loss"] == 0.8 and rows[0]["error"] is None
assert rows[1]["status"] == "FAILED" and rows[1]["best_val_loss"] is None and "\x1b[31m" in rows[1]["error"]
assert rows[2]["status"] == "INTERRUPTED"
PY
  echo "ok   list_json"
else
  fail "list --json: exit or invalid JSON"
fi

if run show 1 --store "$store" && grep -q "^status  *COMPLETED" "$tmp/out" \
   && grep -q "^step  *seconds  *train_loss  *val_loss" "$tmp/out" \
   && [ "$(grep -cE '^[0-2]  +[0-9.]+  +0\.' "$tmp/out")" -eq 3 ]; then
  echo "ok   show"
else
  fail "show 1"; cat "$tmp/out"
fi

if run show 1 --json --store "$store" && $python - "$tmp/out" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
assert t["id"] == 1 and [s["step"] for s in t["steps"]] == [0, 1, 2]
assert t["steps"][1]["hypergradient_norm"] is None and t["steps"][0]["hypergradient_norm"] == 0.01
assert t["steps"][2]["val_loss"] == 0.8 and t["steps"][0]["lambda_min"] is None
PY
then
  echo "ok   show_json"
else
  fail "show 1 --json"
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
expect_error missing_store "run store '$tmp/nowhere.db' does not exist" list --store "$tmp/nowhere.db"
[ -e "$tmp/nowhere.db" ] && fail "missing_store: the file was created"
printf 'not a database\n' > "$tmp/notes.db"
expect_error not_a_database "'$tmp/notes.db' is not an SQLite database" list --store "$tmp/notes.db"
[ "$(cat "$tmp/notes.db")" = "not a database" ] || fail "not_a_database: the file changed"
expect_error unknown_id "has no trial 99" show 99 --store "$store"
expect_error bad_id "'x1' is not a trial id" show x1 --store "$store"
expect_error no_sub_command "runs needs a sub-command" --store "$store"
expect_error bad_sub_command "unknown sub-command 'delete'" delete --store "$store"
expect_error json_file "give --json without a file" list --json=out.json --store "$store"
expect_error set_without_config "--set does not apply" list --set a.b=1 --store "$store"
# The default store is runs/runs.db in the working folder.
(cd "$tmp" && timeout 120 "$run_mpi" "$n" "$bin" runs list > "$tmp/out" 2> "$tmp/err")
rc=$?
if [ $rc -eq 2 ] && grep -qF "run store 'runs/runs.db' does not exist" "$tmp/err"; then echo "ok   default_store"; else fail "default_store rc=$rc"; fi
# --store belongs to runs alone.
timeout 60 "$run_mpi" "$n" "$bin" hypergrad "$tmp/x.yaml" --store "$store" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -qF -- "--store is an option of run, runs, serve" "$tmp/err"; then echo "ok   store_elsewhere"; else fail "store_elsewhere rc=$rc"; fi

echo "$failures failure(s)"
[ $failures -eq 0 ]
