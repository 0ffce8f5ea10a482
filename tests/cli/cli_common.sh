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
