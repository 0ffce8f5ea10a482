#!/bin/sh
# Messages, bytes and reductions per inner step, adjoint (CG) iteration and ITD backward
# step, measured with -log_view at 2, 4 and 8 ranks (oversubscribed: counts only, no
# timings) and compared with the formulas of docs/scaling.md (bench/scaling_model.py).
#
# Usage: bench/scaling_counts.sh [--quick] [BUILD_DIR] [OUT.md]   (defaults: build,
#        bench/results/scaling_counts.md). ~2 minutes; --quick (the ctest
#        bench_scaling_counts): 4 ranks, t = 2 and 4, 8 runs, ~20 s.
# Exits 1 when a measured count differs from the prediction (scaling_model.py --check).
#
# Each (data, layout, p) runs aid_cg at t = k = T1 and T2 and itd at t = T1 and T2; the
# difference of an event's counts over the T2 − T1 extra steps is the per-step count, so
# set-up, the first product and the last CG iteration's skipped dot product cancel.
set -eu
RANKS="2 4 8"; T1=10; T2=20; QUICK=0
if [ "${1:-}" = --quick ]; then QUICK=1; RANKS=4; T1=2; T2=4; shift; fi
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

TEXT=bench/configs/scaling_text_small.yaml DENSE=bench/configs/scaling_dense_small.yaml
if [ "$QUICK" = 1 ]; then  # the layouts' products and CG once each; ITD on features only
  for t in $T1 $T2; do
    run text "$TEXT" features 4 aid "$t"; run text "$TEXT" features 4 itd "$t"
    run text "$TEXT" rows 4 aid "$t"; run dense "$DENSE" dense 4 aid "$t"
  done
else
  for p in $RANKS; do
    for layout in rows features; do
      for m in aid itd; do for t in $T1 $T2; do run text "$TEXT" "$layout" "$p" "$m" "$t"; done; done
    done
    for layout in dense rows; do
      for m in aid itd; do for t in $T1 $T2; do run dense "$DENSE" "$layout" "$p" "$m" "$t"; done; done
    done
  done
fi

mkdir -p "$(dirname "$OUT")"
status=0
{
  echo "# Communication per step: predicted (docs/scaling.md) vs measured (-log_view)"
  echo
  echo "\`bench/scaling_counts.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'),"
  echo "PETSc 3.18, Open MPI, oversubscribed on $(nproc) cores (counts only). Data:"
  echo "bench/configs/scaling_text_small.yaml (n = 1000, d = 13000, c = 20, 50 nonzeros a row,"
  echo "Zipf columns) and bench/configs/scaling_dense_small.yaml (n = 2000, d = 196, c = 10)."
  echo "Per step = (count at t = $T2 − count at t = $T1) / $((T2 - T1)) of the events HpInnerSolve,"
  echo "KSPSolve and HpItdBackward."
  echo
  python3 bench/scaling_model.py counts --check "$WORK" || status=$?
} > "$OUT"
cat "$OUT"
exit "${status:-0}"
