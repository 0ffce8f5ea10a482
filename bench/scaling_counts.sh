#!/bin/sh
# Messages, bytes and reductions per inner step, adjoint (CG) iteration and ITD backward
# step, measured with -log_view at 2, 4 and 8 ranks (oversubscribed: counts only, no
# timings) and compared with the formulas of docs/scaling.md (bench/scaling_model.py).
#
# Usage: bench/scaling_counts.sh [BUILD_DIR] [OUT.md]   (defaults: build,
#        bench/results/scaling_counts.md). Runs from the repository root, ~2 minutes.
#
# Each (data, layout, p) runs aid_cg at t = k = 10 and 20 and itd at t = 10 and 20; the
# difference of an event's counts over the 10 extra steps is the per-step count, so
# set-up, the first product and the last CG iteration's skipped dot product cancel.
set -eu
BUILD="${1:-build}"
OUT="${2:-bench/results/scaling_counts.md}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d /tmp/scaling_counts.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

run() {  # data config layout ranks method t
  data="$1"; cfg="$2"; layout="$3"; p="$4"; method="$5"; t="$6"
  base="$WORK/${data}_${layout}_p${p}_${method}_t${t}"
  hm=aid_cg; [ "$method" = itd ] && hm=itd
  tests/run_mpi.sh "$p" "$BUILD/hyperpetsc" hypergrad "$cfg" \
    --set problem.layout="$layout" --set hypergradient.method="$hm" \
    --set inner.iterations="$t" --set hypergradient.iterations="$t" \
    -log_view ":$base.py:ascii_info_detail" > "$base.txt" 2>&1 || { cat "$base.txt" >&2; exit 1; }
  # The per-step differences need every CG iteration to run (tol 0, no early floor).
  if [ "$method" = aid ] && ! grep -q "(CONVERGED_ITS, $t linear iterations)" "$base.txt"; then
    echo "scaling_counts: $base did not run $t CG iterations:" >&2; cat "$base.txt" >&2; exit 1
  fi
}

for p in 2 4 8; do
  for layout in rows features; do
    for m in aid itd; do for t in 10 20; do
      run text bench/configs/scaling_text_small.yaml "$layout" "$p" "$m" "$t"
    done; done
  done
  for layout in dense rows; do
    for m in aid itd; do for t in 10 20; do
      run dense bench/configs/scaling_dense_small.yaml "$layout" "$p" "$m" "$t"
    done; done
  done
done

mkdir -p "$(dirname "$OUT")"
{
  echo "# Communication per step: predicted (docs/scaling.md) vs measured (-log_view)"
  echo
  echo "\`bench/scaling_counts.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'),"
  echo "PETSc 3.18, Open MPI, oversubscribed on $(nproc) cores (counts only). Data:"
  echo "bench/configs/scaling_text_small.yaml (n = 1000, d = 13000, c = 20, 50 nonzeros a row,"
  echo "Zipf columns) and bench/configs/scaling_dense_small.yaml (n = 2000, d = 196, c = 10)."
  echo "Per step = (count at t = 20 − count at t = 10) / 10 of the events HpInnerSolve,"
  echo "KSPSolve and HpItdBackward."
  echo
  python3 bench/scaling_model.py counts "$WORK"
} > "$OUT"
cat "$OUT"
