#!/bin/sh
# Single-rank ms per inner step and per adjoint (CG) iteration, best of N, for each line
# of the projection of docs/scaling.md; then runs bench/scaling_model.py project.
#
# Usage: bench/scaling_step_times.sh [BUILD_DIR] [N] [OUT.md]
#        (defaults: build, 3, bench/results/scaling_projection.md)
# news20_like.yaml (λ = −6) and dense_gaussian.yaml (λ = −8), each in two layouts, at
# t = k = 30 so that CG runs all 30 iterations; per step = the event's time / steps
# (HpInnerSolve / t, KSPSolve / CG iterations). Also one core's STREAM triad
# (build/bench/stream_triad) for the record. Timings are noisy on a shared machine.
set -eu
BUILD="${1:-build}"
N="${2:-3}"
OUT="${3:-bench/results/scaling_projection.md}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d /tmp/scaling_times.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

measure() {  # name config init layout: one line "inner_ms cg_ms" per run into $WORK/name_layout.txt
  name="$1"; cfg="$2"; init="$3"; layout="$4"
  for i in $(seq 1 "$N"); do
    f="$WORK/${name}_${layout}_$i"
    "$BUILD/hyperpetsc" hypergrad "$cfg" --set problem.layout="$layout" \
      --set hyperparameters.init="$init" --set inner.iterations=30 \
      --set hypergradient.iterations=30 -log_view ":$f.py:ascii_info_detail" > "$f.txt" 2>&1 \
      || { cat "$f.txt" >&2; exit 1; }
    python3 - "$f.py" "$f.txt" >> "$WORK/${name}_${layout}.txt" <<'PY'
import re, sys
env = {}
exec(open(sys.argv[1]).read(), {}, env)
st = env["Stages"]["Main Stage"]
its = int(re.search(r"(\d+) linear iterations", open(sys.argv[2]).read()).group(1))
print("%.3f %.3f" % (st["HpInnerSolve"][0]["time"] / 30 * 1e3, st["KSPSolve"][0]["time"] / its * 1e3))
PY
  done
}
best() { sort -n -k"$2" "$1" | head -1 | cut -d' ' -f"$2"; }
spread() { sort -n -k"$2" "$1" | awk -v k="$2" 'NR==1{lo=$k} {hi=$k} END{printf "%.3g–%.3g", lo, hi}'; }

CASES=""
LINES=""
for spec in news20:bench/configs/news20_like.yaml:-6:features news20:bench/configs/news20_like.yaml:-6:rows \
            dense:bench/configs/dense_gaussian.yaml:-8:dense dense:bench/configs/dense_gaussian.yaml:-8:rows; do
  IFS=: read -r name cfg init layout <<SPEC
$spec
SPEC
  measure "$name" "$cfg" "$init" "$layout"
  f="$WORK/${name}_${layout}.txt"
  CASES="$CASES --case $name,$layout,$(best "$f" 1),$(best "$f" 2)"
  LINES="$LINES
| $name | \`$layout\` | $init | $(best "$f" 1) ($(spread "$f" 1)) | $(best "$f" 2) ($(spread "$f" 2)) |"
done

TRIAD="not built"
if cmake --build "$BUILD" --target stream_triad > /dev/null 2>&1 && [ -x "$BUILD/bench/stream_triad" ]; then
  TRIAD="$("$BUILD/bench/stream_triad" 2>&1 | tr '\n' ' ')"
fi

mkdir -p "$(dirname "$OUT")"
{
  echo "# Scaling projection"
  echo
  echo "\`bench/scaling_step_times.sh $BUILD $N\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')."
  echo "Single-rank ms per step on this machine, best of $N (range; noisy: shared 2-core machine),"
  echo "t = k = 30:"
  echo
  echo "| problem | layout | λ | inner step ms | CG iteration ms |"
  echo "| --- | --- | ---: | ---: | ---: |$LINES"
  echo
  echo "One core's STREAM triad here: $TRIAD"
  echo
  echo "\`python3 bench/scaling_model.py project$CASES\`"
  echo
  # shellcheck disable=SC2086  # CASES is a list of words
  python3 bench/scaling_model.py project $CASES
} > "$OUT"
cat "$OUT"
