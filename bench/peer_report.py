#!/usr/bin/env python3
"""HyperPETSc (per-feature λ, hypergradients) against the Optuna peer (one shared λ, TPE),
validation loss against wall-clock seconds: one gnuplot plot and one Markdown table.

    python3 bench/peer_report.py --run RUN_DIR --optuna TRIALS.csv --out bench/results/optuna_peer
                                 [--note TEXT]

RUN_DIR is a `hyperpetsc run` folder (metrics.csv, summary.json); TRIALS.csv is what
bench/optuna_peer.py wrote. Both clocks start after the data are loaded. For each side,
the model with the lowest validation loss reached so far (HyperPETSc: the outer step;
Optuna: the finished trial) and its test accuracy, at fractions of the budget (the
HyperPETSc run's seconds). Writes OUT.md (the table, with the commands in --note), OUT.png
(gnuplot: best validation loss so far against seconds, both sides, and each step or trial
as a point) and OUT.dat (the plotted data). Standard library and gnuplot only.
"""
import argparse
import csv
import json
import os
import subprocess
import sys


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def running_best(points):
    """points: (seconds, val_loss, test_accuracy) in time order → the running best by val loss."""
    out, best = [], None
    for p in points:
        if best is None or p[1] < best[1]:
            best = p
        out.append((p[0], best[1], best[2]))
    return out


def at(curve, t):
    """The running best at time t (None before the first point)."""
    last = None
    for p in curve:
        if p[0] > t:
            break
        last = p
    return last


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--optuna", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--note", default="")
    a = ap.parse_args()

    rows = read_csv(os.path.join(a.run, "metrics.csv"))
    with open(os.path.join(a.run, "summary.json")) as f:
        summary = json.load(f)
    budget = float(summary["seconds"])
    hp = [(float(r["seconds"]), float(r["val_loss"]), float(r["test_accuracy"])) for r in rows]
    trials = read_csv(a.optuna)
    op = [(float(r["end_seconds"]), float(r["val_loss"]), float(r["test_accuracy"])) for r in trials]
    hp_best, op_best = running_best(hp), running_best(op)

    def cell(curve, t):
        p = at(curve, t)
        return ("%.4f | %.4f" % (p[1], p[2])) if p else "– | –"

    lines = ["| seconds | HyperPETSc, 784 λ: best val loss | its test acc | Optuna + sklearn, 1 λ: best val loss | its test acc |",
             "|---:|---:|---:|---:|---:|"]
    for frac in (0.1, 0.25, 0.5, 0.75, 1.0):
        t = frac * budget
        lines.append("| %.1f (%d %%) | %s | %s |" % (t, round(frac * 100), cell(hp_best, t), cell(op_best, t)))
    hp_final, op_final = at(hp_best, budget), at(op_best, budget)
    verdict = "no Optuna trial finished within the budget"
    if op_final:
        lower = "HyperPETSc" if hp_final[1] < op_final[1] else "Optuna"
        verdict = ("within %.1f s: HyperPETSc %.4f against Optuna %.4f validation loss (lower: %s); "
                   "test accuracy %.4f against %.4f" % (budget, hp_final[1], op_final[1], lower, hp_final[2],
                                                         op_final[2]))
    best_trial = min((t for t in trials if float(t["end_seconds"]) <= budget), key=lambda t: float(t["val_loss"]),
                     default=None)
    md = ["# HyperPETSc against Optuna (TPE) + scikit-learn on Fashion-MNIST", "",
          "Validation loss (mean cross-entropy on the 5000 validation images) of the best model found so",
          "far, and that model's test accuracy (10000 test images), against wall-clock seconds since the",
          "data were loaded. HyperPETSc: %d outer steps in %.1f s on %s ranks (`%s`); Optuna: %d trials "
          "finished within the same %.1f s%s." % (len(rows) - 1, budget, summary.get("ranks", "?"), a.run,
                                                   sum(1 for t in trials if float(t["end_seconds"]) <= budget), budget,
                                                   (", best λ = %.3f (C = %.4g)" % (float(best_trial["lambda"]),
                                                                                    float(best_trial["C"])))
                                                   if best_trial else ""),
          "", *lines, "", "**" + verdict + ".**", "", "![validation loss against seconds](%s.png)" %
          os.path.basename(a.out), ""]
    if a.note:
        md += [a.note, ""]
    # Blocks: 0 HyperPETSc's steps, 1 its running best (held to the budget), 2 Optuna's
    # trials, 3 their running best (held to the budget).
    with open(a.out + ".dat", "w") as f:
        for name, points, best in (("HyperPETSc", hp, hp_best), ("Optuna", op, op_best)):
            f.write("# %s: seconds val_loss test_accuracy (each step or trial)\n" % name)
            f.writelines("%.6f %.10g %.6g\n" % p for p in points)
            f.write("\n\n# %s: seconds best_val_loss_so_far its_test_accuracy\n" % name)
            f.writelines("%.6f %.10g %.6g\n" % p for p in best)
            if best:
                f.write("%.6f %.10g %.6g\n" % (budget, best[-1][1], best[-1][2]))
            f.write("\n\n")
    ymax = max([p[1] for p in hp] + [min(p[1], 1.0) for p in op])
    ymin = min([p[1] for p in hp] + [p[1] for p in op])
    plot = """set terminal pngcairo size 800,500 font 'DejaVu Sans,10'
set output '{png}'
set title 'Fashion-MNIST: best validation loss so far against wall-clock seconds'
set xlabel 'seconds since the data were loaded'
set ylabel 'validation loss (mean cross-entropy)'
set grid
set key top right box opaque
set xrange [0:{xmax}]
set yrange [{ymin}:{ymax}]
set arrow from {budget},graph 0 to {budget},graph 1 nohead dt 2 lc rgb '#888888'
plot '{dat}' index 1 using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'HyperPETSc, 784 λ (hypergradient, Adam): best so far', \\
     '{dat}' index 0 using 1:2 with points pt 7 ps 0.4 lc rgb '#1f77b4' title 'HyperPETSc: each outer step', \\
     '{dat}' index 3 using 1:2 with steps lw 2 lc rgb '#d62728' title 'Optuna TPE + sklearn, 1 λ: best so far', \\
     '{dat}' index 2 using 1:2 with points pt 5 ps 0.6 lc rgb '#d62728' title 'Optuna: each trial'
""".format(png=a.out + ".png", dat=a.out + ".dat", xmax=budget * 1.05, budget=budget,
           ymin=ymin - 0.02 * (ymax - ymin), ymax=ymax + 0.02 * (ymax - ymin))
    subprocess.run(["gnuplot"], input=plot, text=True, check=True)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md))
    print(verdict)


if __name__ == "__main__":
    sys.exit(main())
