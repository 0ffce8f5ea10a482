# Sourced by the CLI test scripts: arguments, paths and a scratch folder removed on exit.
# Usage from a script: . "$(dirname "$0")/cli_common.sh" "$@"   (HYPERPETSC_BINARY NRANKS)
set -u
bin="$1"; n="$2"
here="$(cd "$(dirname "$0")" && pwd)"
run_mpi="$here/../run_mpi.sh"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/hp-cli-XXXXXX")"  # mktemp template, not a placeholder
trap 'rm -rf "$tmp"' EXIT
failures=0

# check STATUS NAME: "ok NAME" if STATUS is 0, else "FAIL NAME" with the head of $tmp/err
# (and $tmp/out when it exists), counting the failure.
check() {
  if [ "$1" = 0 ]; then echo "ok   $2"; else
    echo "FAIL $2"; head -20 "$tmp/err" 2>/dev/null; [ -f "$tmp/out" ] && head -20 "$tmp/out"
    failures=$((failures+1))
  fi
}

# expect_hypergrad_error NAME EXPECTED_SUBSTRING CONFIG_TEXT [options...]: `hypergrad` on that
# config must exit 2 with the substring in one error line, no traceback, no output file.
expect_hypergrad_error() {
  local name="$1" want="$2" text="$3"; shift 3
  printf '%s\n' "$text" > "$tmp/$name.yaml"
  rm -f "$tmp/out.json"
  timeout 120 "$run_mpi" "$n" "$bin" hypergrad "$tmp/$name.yaml" --json "$tmp/out.json" "$@" \
    > "$tmp/out" 2> "$tmp/err"
  local rc=$? count
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
  if grep -q "PETSC ERROR\|internal error\|MPI_ABORT" "$tmp/err"; then
    echo "FAIL $name: a traceback or an abort"; cat "$tmp/err"; failures=$((failures+1)); return
  fi
  if ls "$tmp"/out.json* >/dev/null 2>&1; then
    echo "FAIL $name: wrote output"; failures=$((failures+1)); return
  fi
  echo "ok   $name: $(grep 'hyperpetsc: error:' "$tmp/err" | head -c 200)"
}
