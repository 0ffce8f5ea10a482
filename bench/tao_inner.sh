#!/usr/bin/env bash
# Inner solvers for AID on the news20-shaped problem at λ = −6: the hypergradient's
# relative error against `hypergradient.method: exact` versus the seconds of the inner
# solve plus the adjoint, for gradient descent and for TAO (lmvm, bncg and Newton: nls).
#
#   bench/tao_inner.sh [-n RUNS] [--config FILE]
#
# aid_cg with a tight adjoint (hypergradient.tol 1e-10, at most 2000 iterations) so the
# error is the inner solve's. Each configuration runs RUNS times (default 3, interleaved);
# the table keeps the best time (and gives the spread); the error is the same every run.
# exact runs once. 1 rank. Writes bench/results/tao_inner.md (and prints it); the JSON
# outputs stay in bench/results/work/tao_inner/.
#
# Environment: BUILD_DIR (default build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUNS=3
CONFIG=bench/configs/news20_like.yaml
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--runs) RUNS="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "tao_inner.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$RUNS" in ''|*[!0-9]*|0) echo "tao_inner.sh: -n needs a positive integer" >&2; exit 2 ;; esac

BIN=${BUILD_DIR:-build}/hyperpetsc
[ -x "$BIN" ] || { echo "tao_inner.sh: build $BIN first (cmake --build build --target hyperpetsc)" >&2; exit 2; }
WORK=bench/results/work/tao_inner
mkdir -p "$WORK"
COMMON=(--set hyperparameters.init=-6 --set hypergradient.method=aid_cg --set hypergradient.tol=1e-10
        --set hypergradient.iterations=2000 --set inner.tol=0)

# name|extra arguments (one run of `hyperpetsc hypergrad` each).
CASES=()
for t in 25 50 100 200 400; do CASES+=("gd_t$t|--set inner.solver=gradient_descent --set inner.iterations=$t"); done
for t in 5 10 20 40 80; do CASES+=("lmvm_t$t|--set inner.solver=tao --set inner.iterations=$t"); done
for t in 5 10 20; do CASES+=("bncg_t$t|--set inner.solver=tao --set inner.iterations=$t -inner_tao_type bncg"); done
for t in 2 3 4; do CASES+=("nls_t$t|--set inner.solver=tao --set inner.iterations=$t -inner_tao_type nls"); done

echo "exact (once) ..." >&2
"$BIN" hypergrad "$CONFIG" --set hyperparameters.init=-6 --set hypergradient.method=exact \
  --json "$WORK/exact.json" > "$WORK/exact.out"
for run in $(seq 1 "$RUNS"); do
  for c in "${CASES[@]}"; do
    name=${c%%|*}
    # shellcheck disable=SC2206  # the extra arguments are plain words
    extra=(${c#*|})
    echo "run $run: $name" >&2
    "$BIN" hypergrad "$CONFIG" "${COMMON[@]}" "${extra[@]}" --json "$WORK/$name.run$run.json" > "$WORK/$name.run$run.out"
  done
done

python3 - "$WORK" "$RUNS" "$CONFIG" "${CASES[@]}" > bench/results/tao_inner.md <<'PY'
import json, math, sys
work, runs, config, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
exact = json.load(open(f"{work}/exact.json"))
g0 = exact["hypergradient"]
n0 = math.sqrt(sum(x * x for x in g0))
rows = []
for c in cases:
    name, extra = c.split("|", 1)
    results = [json.load(open(f"{work}/{name}.run{r}.json")) for r in range(1, runs + 1)]
    secs = [r["seconds"]["inner"] + r["seconds"]["adjoint"] for r in results]
    inner = [r["seconds"]["inner"] for r in results]
    g = results[0]["hypergradient"]
    err = math.sqrt(sum((a - b) ** 2 for a, b in zip(g, g0))) / n0
    solver = "gradient_descent" if name.startswith("gd") else "tao " + name.split("_")[0]
    rows.append((solver, results[0]["t"], err, min(secs), max(secs), min(inner), results[0]["linear_solver_iterations"]))
print("# Inner solvers for AID: relative error against exact versus seconds\n")
print(f"`bench/tao_inner.sh -n {runs}` on `{config}` with `--set hyperparameters.init=-6`, 1 rank: "
      "aid_cg with hypergradient.tol 1e-10 (at most 2000 CG iterations), inner.tol 0 (exactly t "
      "iterations), step_size auto. Error: ‖ĝ − g_exact‖/‖g_exact‖ with g_exact from "
      f"`hypergradient.method: exact` ({exact['t']} Newton steps, {exact['seconds']['inner'] + exact['seconds']['adjoint']:.1f} s). "
      f"Seconds: seconds.inner + seconds.adjoint of --json, best of {runs} (range in brackets).\n")
print("| inner solver | t | relative error | seconds (inner + adjoint) | of which inner | CG iterations |")
print("|---|---:|---:|---:|---:|---:|")
for s, t, e, lo, hi, inner, k in rows:
    print(f"| {s} | {t} | {e:.2e} | {lo:.2f} [{lo:.2f}–{hi:.2f}] | {inner:.2f} | {k} |")
print()
for target in (1e-3, 1e-6):
    best = {}
    for s, t, e, lo, hi, inner, k in rows:
        if e <= target and (s not in best or lo < best[s][1]):
            best[s] = (t, lo)
    parts = [f"{s}: t = {t}, {sec:.2f} s" for s, (t, sec) in best.items()]
    missing = sorted({r[0] for r in rows} - set(best))
    text = "; ".join(parts) if parts else "none"
    if missing:
        text += "; not reached by " + ", ".join(missing) + " in the t measured"
    print(f"- Fastest to relative error ≤ {target:g}: {text}.")
PY
cat bench/results/tao_inner.md
