#!/bin/sh
# Single-rank ms per inner step and per adjoint (CG) iteration, best of N, for the inputs
# of bench/scaling_model.py project; then runs the projection.
#
# Usage: bench/scaling_step_times.sh [BUILD_DIR] [N] [OUT.md]
#        (defaults: build, 3, bench/results/scaling_projection.md)
# news20_like.yaml at λ = −6 and dense_gaussian.yaml (layout dense) at λ = −8, t = k = 30,
# so that CG runs all 30 iterations; per step = event time / steps (HpInnerSolve, KSPSolve).
set -eu
BUILD="${1:-build}"
N="${2:-3}"
OUT="${3:-bench/results/scaling_projection.md}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d /tmp/scaling_times.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

measure() {  # name config init layout -> "inner_ms cg_ms" per run, one line each
  name="$1"; cfg="$2"; init="$3"; layout="$4"
  for i in $(seq 1 "$N"); do
    f="$WORK/${name}_$i"
    "$BUILD/hyperpetsc" hypergrad "$cfg" --set problem.layout="$layout" \
      --set hyperparameters.init="$init" --set inner.iterations=30 \
      --set hypergradient.iterations=30 -log_view ":$f.py:ascii_info_detail" > "$f.txt" 2>&1 \
      || { cat "$f.txt" >&2; exit 1; }
    python3 - "$f.py" "$f.txt" <<'PY'
import re, sys
env = {}
exec(open(sys.argv[1]).read(), {}, env)
st = env["Stages"]["Main Stage"]
its = int(re.search(r"t=(\d+) k=\d+ .*?(\d+) linear iterations", open(sys.argv[2]).read()).group(2))
print("%.3f %.3f" % (st["HpInnerSolve"][0]["time"] / 30 * 1e3, st["KSPSolve"][0]["time"] / its * 1e3))
PY
  done
}

measure news20 bench/configs/news20_like.yaml -6 features > "$WORK/news20.txt"
measure dense bench/configs/dense_gaussian.yaml -8 dense > "$WORK/dense.txt"
best() { sort -n -k"$2" "$1" | head -1 | cut -d' ' -f"$2"; }
spread() { sort -n -k"$2" "$1" | awk -v k="$2" 'NR==1{lo=$k} {hi=$k} END{printf "%.3g–%.3g", lo, hi}'; }
NI=$(best "$WORK/news20.txt" 1); NC=$(best "$WORK/news20.txt" 2)
DI=$(best "$WORK/dense.txt" 1); DC=$(best "$WORK/dense.txt" 2)
mkdir -p "$(dirname "$OUT")"
{
  echo "# Scaling projection (bench/scaling_step_times.sh, $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo
  echo "Single-rank step times on this machine, best of $N (range in brackets; noisy: shared 2-core machine):"
  echo "news20_like (layout features, λ = −6): inner step $NI ms ($(spread "$WORK/news20.txt" 1)),"
  echo "CG iteration $NC ms ($(spread "$WORK/news20.txt" 2)); dense_gaussian (layout dense, λ = −8):"
  echo "inner step $DI ms ($(spread "$WORK/dense.txt" 1)), CG iteration $DC ms ($(spread "$WORK/dense.txt" 2))."
  echo "The rows-layout lines reuse the same 1-rank times (1 rank has no communication)."
  echo
  echo "\`python3 bench/scaling_model.py project --news20-inner-ms $NI --news20-cg-ms $NC --dense-inner-ms $DI --dense-cg-ms $DC\`"
  echo
  python3 bench/scaling_model.py project --news20-inner-ms "$NI" --news20-cg-ms "$NC" \
    --dense-inner-ms "$DI" --dense-cg-ms "$DC"
} > "$OUT"
cat "$OUT"
