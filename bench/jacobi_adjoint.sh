#!/usr/bin/env bash
# The Jacobi-preconditioned adjoint (issue 8 item 5): CG iterations and seconds for one
# aid_cg hypergradient to a relative residual of 1e-6, without and with
# -adjoint_pc_type jacobi, on
#   wide:     bench/configs/news20_like.yaml, λ_j ~ uniform[−8, 4] (fixed seed), t = 100;
#   uniform:  the same problem at λ = −6 (the benchmark's point; no spread to undo);
#   finished: configs/default.yaml at the λ of a finished `hyperpetsc run` (OUTER steps).
# Variants: none; jacobi with -adjoint_ksp_norm_type unpreconditioned (the same stopping
# rule ‖b − Av‖ ≤ 1e-6‖b‖ as none: the fair comparison); jacobi with PETSc's default for a
# preconditioned CG (the preconditioned residual norm).
#
#   bench/jacobi_adjoint.sh [-n RUNS] [--outer STEPS] [--iterations K]
#
# Best of RUNS (default 3) seconds per configuration, runs interleaved. Writes a Markdown
# report to stdout and bench/results/jacobi_adjoint.md; raw JSON in
# bench/results/work/jacobi_adjoint/. Environment: BUILD_DIR (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=3
OUTER=40
K=5000
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--runs) RUNS="$2"; shift 2 ;;
    --outer) OUTER="$2"; shift 2 ;;
    --iterations) K="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "jacobi_adjoint.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
BUILD=${BUILD_DIR:-build}
WORK=$ROOT/bench/results/work/jacobi_adjoint  # absolute: hyperparameters.init is resolved against the config folder
rm -rf "$WORK"
mkdir -p "$WORK/bin"
cmake --build "$BUILD" -j2 --target hyperpetsc >&2
cp "$BUILD/hyperpetsc" "$WORK/bin/hyperpetsc"  # a rebuild meanwhile cannot change what is measured
COMMIT="$(git rev-parse --short HEAD)"
changed=$(git status --porcelain -- src include | wc -l)
[ "$changed" = 0 ] || COMMIT="$COMMIT + $changed uncommitted files in src/ include/"
HP=$WORK/bin/hyperpetsc

# One λ per feature of news20_like (d = 130107), uniform in [−8, 4], seed 8.
awk 'BEGIN { srand(8); for (j = 0; j < 130107; ++j) printf "%.17g\n", -8 + 12 * rand() }' > "$WORK/lambda_wide.txt"

# λ from a finished optimisation run of the default experiment.
"$HP" run configs/default.yaml --quiet --set outer.iterations="$OUTER" --set run.dir="$WORK/run_default" \
  --store "$WORK/runs.db" >&2
cp "$WORK/run_default/lambda.txt" "$WORK/lambda_finished.txt"

declare -A CONFIG=([wide]=bench/configs/news20_like.yaml [uniform]=bench/configs/news20_like.yaml
                   [finished]=configs/default.yaml)
declare -A INIT=([wide]="$WORK/lambda_wide.txt" [uniform]=-6 [finished]="$WORK/lambda_finished.txt")
declare -A OPTS=([none]="-adjoint_pc_type none"
                 [jacobi]="-adjoint_pc_type jacobi -adjoint_ksp_norm_type unpreconditioned"
                 [jacobi_pnorm]="-adjoint_pc_type jacobi")
for rep in $(seq 1 "$RUNS"); do
  for case in wide uniform finished; do
    for variant in none jacobi jacobi_pnorm; do
      out="$WORK/${case}_${variant}_${rep}.json"
      # shellcheck disable=SC2086
      "$HP" hypergrad "${CONFIG[$case]}" --set hyperparameters.init="${INIT[$case]}" \
        --set inner.iterations=100 --set hypergradient.method=aid_cg \
        --set hypergradient.iterations="$K" --set hypergradient.tol=1e-6 \
        --json "$out" ${OPTS[$variant]} >&2
    done
  done
done

python3 - "$WORK" "$RUNS" "$OUTER" "$COMMIT" <<'PY' | tee bench/results/jacobi_adjoint.md
import json, math, sys
work, runs, outer, commit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cases = [("wide", "news20_like, λ_j ~ U[−8, 4]"), ("uniform", "news20_like, λ = −6"),
         ("finished", f"default.yaml, λ after {outer} outer steps")]
variants = [("none", "none"), ("jacobi", "jacobi, unpreconditioned norm"),
            ("jacobi_pnorm", "jacobi, preconditioned norm")]
def load(c, v, r): return json.load(open(f"{work}/{c}_{v}_{r}.json"))
def rel(a, b): return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)) / sum(y * y for y in b))
print("# Jacobi-preconditioned adjoint: aid_cg to a relative residual of 1e-6\n")
print(f"`bench/jacobi_adjoint.sh -n {runs}` at commit {commit}, 1 rank, t = 100 inner steps, "
      "hypergradient.tol 1e-6, hypergradient.iterations 5000. Seconds: best of "
      f"{runs} (spread = worst − best); *adjoint* includes the KSP set-up (the diagonal, and on the "
      "first solve building X∘X). *rel. diff.* is ‖g − g_none‖/‖g_none‖.\n")
print("| problem | preconditioner | CG iterations | reason | adjoint s (spread) | total s | peak MB | rel. diff. |")
print("|---|---|---:|---|---:|---:|---:|---:|")
for c, label in cases:
    base = load(c, "none", 1)
    for v, vlabel in variants:
        rs = [load(c, v, r) for r in range(1, runs + 1)]
        adj = [r["seconds"]["adjoint"] for r in rs]
        tot = [r["seconds"]["total"] for r in rs]
        d = rel(rs[0]["hypergradient"], base["hypergradient"]) if v != "none" else 0.0
        print(f"| {label} | {vlabel} | {rs[0]['linear_solver_iterations']} | {rs[0]['converged_reason']} | "
              f"{min(adj):.2f} ({max(adj) - min(adj):.2f}) | {min(tot):.2f} | "
              f"{rs[0]['peak_memory_bytes'] / 1e6:.0f} | {d:.1e} |")
print("\nIterations are the same in every run (the runs are deterministic). The unpreconditioned "
      "norm makes jacobi stop on the same rule as none, ‖b − Av‖ ≤ 1e-6‖b‖; with the preconditioned "
      "norm (PETSc's default for a preconditioned CG) it stops on ‖D⁻¹(b − Av)‖ ≤ 1e-6‖D⁻¹b‖ instead. "
      "jacobi's extra peak memory is about two w-sized vectors (PCJacobi's diagonal and the "
      "product (X∘X)ᵀH: 2 × d·c·8 bytes = 42 MB for news20_like) besides the X∘X copy of the "
      "training data (about 7 MB of CSR there). Its adjoint seconds include building X∘X and the "
      "diagonal (one pass) on the first solve; per iteration PCJacobi's pointwise product replaces "
      "PCNONE's copy.")
PY
