# Sourced by the CLI test scripts: arguments, paths and a scratch folder removed on exit.
# Usage from a script: . "$(dirname "$0")/cli_common.sh" "$@"   (HYPERPETSC_BINARY NRANKS)
set -u
bin="$1"; n="$2"
here="$(cd "$(dirname "$0")" && pwd)"
run_mpi="$here/../run_mpi.sh"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/hp-cli-XXXXXX")"  # mktemp template, not a placeholder
trap 'rm -rf "$tmp"' EXIT
failures=0
