#!/bin/bash
# The set-up share of one `hypergrad` call on the news20-shaped benchmark: seconds.setup /
# seconds.total from the JSON (for binaries older than seconds.setup: total − load −
# inner − adjoint), best of RUNS, at t = k = 20 and 100, step_size auto and a number.
# Usage: bench/setup_share.sh BINARY [RUNS] [RANKS]
set -eu
bin="$1"; runs="${2:-3}"; ranks="${3:-1}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/hp-setup-XXXXXX")"  # mktemp template
trap 'rm -rf "$tmp"' EXIT
printf '%-6s %-6s %10s %10s %8s   (best of %d, %d rank(s))\n' "t=k" "step" "setup s" "total s" "share" "$runs" "$ranks"
for t in 20 100; do
  for step in auto 10; do
    best=""
    for r in $(seq "$runs"); do
      "$here/../tests/run_mpi.sh" "$ranks" "$bin" hypergrad "$here/configs/news20_like.yaml" \
        --set inner.iterations=$t --set hypergradient.iterations=$t --set inner.step_size=$step \
        --json "$tmp/out.json" > /dev/null
      line=$(/usr/bin/python3 - "$tmp/out.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["seconds"]
setup = s["setup"] if "setup" in s else s["total"] - s["load"] - s["inner"] - s["adjoint"]
print(f"{setup:.4f} {s['total']:.4f} {100 * setup / s['total']:.1f}")
PY
)
      share=$(echo "$line" | awk '{print $3}')
      if [ -z "$best" ] || awk "BEGIN{exit !($share < $(echo "$best" | awk '{print $3}'))}"; then best="$line"; fi
    done
    read -r setup total share <<< "$best"
    printf '%-6s %-6s %10s %10s %7s%%\n' "$t" "$step" "$setup" "$total" "$share"
  done
done
