#!/usr/bin/env python3
"""Turns bench/service_benchmark.sh's work folder into its report.

    python3 bench/summarize_service.py bench/results/work/service bench/results

Writes RESULTS/service_benchmark.md, service_overhead.csv (one row per run of part a) and
service_warm_start.csv (one row per configuration of part b). Standard library only.
"""
import csv
import glob
import json
import os
import re
import statistics
import sys

OUTER_STAGES = ["Outer: hypergradient", "Outer: metrics", "Outer: coordinator", "Outer: checkpoint", "Outer: update"]


def read_env(work):
    env = {}
    with open(os.path.join(work, "env.txt")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = v
    return env


def read_loads(work):
    loads = {}
    path = os.path.join(work, "load.txt")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                name, _, rest = line.strip().partition(" load_average=")
                loads[name] = rest
    return loads


def stage_times(log_csv):
    """{stage: [seconds on rank 0, rank 1, ...]} from a -log_view ascii_csv file (its
    'summary' rows: one per stage and rank)."""
    times = {}
    with open(log_csv, newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 5 and row[1] == "summary" and row[2].isdigit():
                ranks = times.setdefault(row[0], {})
                ranks[int(row[2])] = float(row[4])
    return {s: [r[k] for k in sorted(r)] for s, r in times.items()}


def read_run(run_dir):
    with open(os.path.join(run_dir, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(run_dir, "metrics.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return summary, rows


def overhead(work, loads):
    out = []
    for path in sorted(glob.glob(os.path.join(work, "overhead_*.csv")),
                       key=lambda p: int(re.search(r"_(\d+)\.csv$", p).group(1))):
        name = os.path.basename(path)[:-4]
        summary, rows = read_run(os.path.join(work, name))
        st = stage_times(path)
        loop = float(summary["seconds"])
        with open(os.path.join(work, name, "log.txt")) as f:
            checkpoints = sum(1 for line in f if "checkpoint before step" in line)
        r = {"run": name, "loop_seconds": loop, "steps": len(rows), "checkpoints": checkpoints,
             "load_average": loads.get(name, "")}
        for s in OUTER_STAGES:
            r[s] = max(st.get(s, [0.0]))  # the slower rank's: the others wait for it
        staged0 = sum(st.get(s, [0.0])[0] for s in OUTER_STAGES)
        r["unstaged"] = max(0.0, loop - staged0)  # rank 0, inside the loop but in no stage
        r["overhead_pct"] = 100 * (r["Outer: coordinator"] + r["Outer: checkpoint"]) / loop
        r["overhead_with_unstaged_pct"] = 100 * (r["Outer: coordinator"] + r["Outer: checkpoint"] + r["unstaged"]) / loop
        out.append(r)
    return out


def reach(rows, target):
    """(step, iterations, seconds) of the first step whose val_loss <= target, counting the
    inner + adjoint iterations of every step up to and including it."""
    its = 0
    for r in rows:
        its += int(r["inner_iterations"]) + int(r["solver_iterations"])
        if float(r["val_loss"]) <= target:
            return int(r["step"]), its, float(r["seconds"])
    return None


def warm_start(work, loads):
    if not os.path.exists(os.path.join(work, "cold", "summary.json")):
        return None, []
    _, cold_rows = read_run(os.path.join(work, "cold"))
    target = float(cold_rows[-1]["val_loss"])
    out = []
    for name in ("cold", "warm", "sched"):
        if not os.path.exists(os.path.join(work, name, "summary.json")):
            continue
        summary, rows = read_run(os.path.join(work, name))
        hit = reach(rows, target)
        out.append({"run": name, "steps": len(rows) - 1, "final_val_loss": float(rows[-1]["val_loss"]),
                    "total_iterations": sum(int(r["inner_iterations"]) + int(r["solver_iterations"]) for r in rows),
                    "total_seconds": float(summary["seconds"]),
                    "reached_step": hit[0] if hit else "", "iterations_to_target": hit[1] if hit else "",
                    "seconds_to_target": hit[2] if hit else "",
                    "test_accuracy_at_target": float(rows[hit[0]]["test_accuracy"]) if hit else "",
                    "load_average": loads.get(name, "")})
    return target, out


def write_csv(path, rows):
    if not rows:
        return
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.6g" % v) if isinstance(v, float) else v for k, v in r.items()})


def main():
    work, results = sys.argv[1], sys.argv[2]
    env, loads = read_env(work), read_loads(work)
    md = ["# Service benchmarks: `hyperpetsc run` on the default experiment", "",
          "`bench/service_benchmark.sh -n %s` at commit %s (%s other files changed outside bench/), %s, %s MPI "
          "ranks, configs/fashion_mnist_hpo.yaml (Fashion-MNIST, 784 per-pixel λ, aid_cg with warm starts and "
          "inexactness schedules, heavy ball, Adam). The machine is shared by other jobs: the 1-minute load average before each run is listed."
          % (env.get("runs"), env.get("commit"), env.get("dirty_files"), env.get("date"), env.get("ranks")), ""]

    ov = overhead(work, loads)
    if ov:
        write_csv(os.path.join(results, "service_overhead.csv"), ov)
        best = min(ov, key=lambda r: r["loop_seconds"])
        pcts = [r["overhead_pct"] for r in ov]
        md += ["## (a) Coordinator overhead per outer step", "",
               "Per run: the time of the stages `Outer: coordinator` (metrics.csv row, store transaction, log and "
               "progress line) and `Outer: checkpoint` (every `run.checkpoint_every` steps: gather, PETSc binary file, checkpoint.json), "
               "the slower rank's (PETSc's `-log_view :FILE:ascii_csv` gives each rank's stage times), against the "
               "loop's wall time (`summary.json` seconds). *Unstaged*: the loop's time on rank 0 in no stage "
               "(broadcast of the clock, the signal poll, λ's min/mean/max).", "",
               "| run | load avg | steps (rows) | loop s | s / step | hypergradient s | metrics s | coordinator ms | "
               "checkpoints | checkpoint ms | unstaged ms | overhead | with unstaged |",
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in ov:
            md.append("| %s%s | %s | %d | %.2f | %.3f | %.2f | %.3f | %.2f | %d | %.2f | %.2f | %.3f %% | %.3f %% |" % (
                r["run"], " (best)" if r is best else "", r["load_average"], r["steps"], r["loop_seconds"],
                r["loop_seconds"] / r["steps"], r["Outer: hypergradient"], r["Outer: metrics"],
                1e3 * r["Outer: coordinator"], r["checkpoints"], 1e3 * r["Outer: checkpoint"], 1e3 * r["unstaged"],
                r["overhead_pct"],
                r["overhead_with_unstaged_pct"]))
        md += ["", "**Best run (shortest loop): %.3f %% of the step time (target < 2 %%); over the %d runs %.3f–%.3f %% "
               "(median %.3f %%); %.2f ms per step in the coordinator stage.** With the unstaged time counted as "
               "overhead too: %.3f–%.3f %%." % (
                   best["overhead_pct"], len(ov), min(pcts), max(pcts), statistics.median(pcts),
                   1e3 * best["Outer: coordinator"] / best["steps"],
                   min(r["overhead_with_unstaged_pct"] for r in ov), max(r["overhead_with_unstaged_pct"] for r in ov)),
               ""]

    target, ws = warm_start(work, loads)
    if ws:
        write_csv(os.path.join(results, "service_warm_start.csv"), ws)
        labels = {"cold": "cold starts, fixed t = 200, k = 30",
                  "warm": "warm starts, fixed t = 200, k = 30",
                  "sched": "warm starts + schedules (the default experiment: tol 2e-2 / 0.2, geometric 0.93, "
                           "caps t = 200, k = 30)"}
        md += ["## (b) Warm starts and inexactness schedules against a cold start", "",
               "Target: the cold run's final validation loss, %.6f. Iterations: inner steps + adjoint CG iterations "
               "(metrics.csv `inner_iterations` + `solver_iterations`) summed over the steps up to the first step "
               "whose validation loss is at or below the target; seconds: that step's `seconds`. Iterations are "
               "deterministic; seconds are one run each on a shared machine." % target, "",
               "| run | load avg | reaches target at step | iterations | seconds | × fewer iterations | × less time | "
               "final val loss (step) | total iterations, seconds |",
               "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        cold = next((r for r in ws if r["run"] == "cold"), None)
        for r in ws:
            if r["reached_step"] == "":
                md.append("| %s | %s | not reached | – | – | – | – | %.6f (%d) | %d, %.1f |" % (
                    labels[r["run"]], r["load_average"], r["final_val_loss"], r["steps"], r["total_iterations"],
                    r["total_seconds"]))
                continue
            md.append("| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.6f (%d) | %d, %.1f |" % (
                labels[r["run"]], r["load_average"], r["reached_step"], r["iterations_to_target"],
                r["seconds_to_target"], cold["iterations_to_target"] / r["iterations_to_target"],
                cold["seconds_to_target"] / r["seconds_to_target"], r["final_val_loss"], r["steps"],
                r["total_iterations"], r["total_seconds"]))
        md.append("")
    with open(os.path.join(results, "service_benchmark.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
