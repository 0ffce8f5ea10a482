#!/usr/bin/python3
"""The peer a user would otherwise pick: Optuna (TPE) tuning ONE shared L2 strength of
scikit-learn's LogisticRegression, on exactly HyperPETSc's split, under a wall-clock budget.

    /usr/bin/python3 bench/optuna_peer.py --data DIR --budget SECONDS --out FILE.csv
                                          [--jobs 2] [--seed 0] [--bounds -10 5]
                                          [--max-iter 1000] [--tol 1e-4]

DIR holds train.libsvm, val.libsvm, test.libsvm and meta.json as written by
`build/bench/dump_dataset CONFIG DIR` (0-based class labels, 1-based features, exact
doubles), so the rows, features and classes are HyperPETSc's own.

Same model and objective scaling as HyperPETSc's logistic_l2 with a shared λ:
    L(W) = mean_i CE(softmax(x_i W), y_i) + ½ exp(λ) ‖W‖²,  no intercept, multinomial,
which is scikit-learn's objective Σ_i CE_i + 1/(2C) ‖W‖² with C = 1 / (n_train · exp(λ)).
The validation loss is HyperPETSc's E: the mean cross-entropy on the validation split
(computed here from the scores with a log-sum-exp, no clipping).

TPE samples λ uniformly in --bounds (i.e. C log-uniformly); each trial fits a fresh model
(lbfgs, --max-iter, --tol: scikit-learn's defaults but max_iter 1000 so fits converge).
--jobs worker processes (default 2: the same two cores HyperPETSc's two ranks use; the
BLAS is single-threaded) share one TPE study through Optuna's journal-file storage; the
data are loaded once, before the workers fork. The clock starts after the data are
loaded, like HyperPETSc's metrics.csv `seconds`. At --budget seconds the workers are
stopped, a fit still running with them: only trials finished within the budget count.

Writes FILE.csv, one row per finished trial in order of completion: trial, lambda, C,
start_seconds, end_seconds, val_loss, val_accuracy, test_loss, test_accuracy,
lbfgs_iterations, best_val_loss, best_test_accuracy (the running best by validation loss
among the trials finished so far, and that trial's test accuracy). Prints a one-line
summary.
"""
import argparse
import csv
import json
import math
import os
import sys
import multiprocessing
import shutil
import time

import numpy as np
import optuna
from sklearn.datasets import load_svmlight_files
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
import warnings


def mean_cross_entropy(scores, y):
    """Mean over rows of logsumexp(scores_i) − scores_i[y_i]: HyperPETSc's E."""
    m = scores.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(scores - m).sum(axis=1))
    return float(np.mean(lse - scores[np.arange(len(y)), y]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--budget", type=float, required=True, help="wall-clock seconds")
    ap.add_argument("--out", required=True, help="CSV of the trials")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bounds", type=float, nargs=2, default=[-10.0, 5.0])
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    if a.budget <= 0 or a.jobs < 1 or a.bounds[0] >= a.bounds[1]:
        sys.exit("optuna_peer.py: need --budget > 0, --jobs >= 1 and --bounds LO HI with LO < HI")

    with open(os.path.join(a.data, "meta.json")) as f:
        meta = json.load(f)
    if meta.get("problem") != "logistic_l2" or not meta.get("test_rows"):
        sys.exit("optuna_peer.py: %s: need a logistic_l2 dump with a test split" % a.data)
    d, classes = int(meta["features"]), int(meta["classes"])
    Xt, yt, Xv, yv, Xs, ys = load_svmlight_files(
        [os.path.join(a.data, s + ".libsvm") for s in ("train", "val", "test")], n_features=d)
    # Dense float64: 5000 × 784 images are ~50 % nonzero, where BLAS beats sparse products.
    Xt, Xv, Xs = Xt.toarray(), Xv.toarray(), Xs.toarray()
    yt, yv, ys = yt.astype(np.int64), yv.astype(np.int64), ys.astype(np.int64)
    if sorted(set(yt.tolist())) != list(range(classes)):
        sys.exit("optuna_peer.py: the training split must hold every class 0..%d" % (classes - 1))
    n = Xt.shape[0]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # JournalStorage
    # One TPE study shared by --jobs worker processes through a journal file (Optuna's
    # multi-process storage); each worker appends its finished trials to its own file.
    work = a.out + ".work"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(os.path.join(work, "journal.log")))
    optuna.create_study(direction="minimize", storage=storage, study_name="peer")
    t0 = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in the forked workers

    for i in range(a.jobs):
        open(os.path.join(work, "trials-%d.jsonl" % i), "w").close()

    def worker(index):
        out = open(os.path.join(work, "trials-%d.jsonl" % index), "a")
        sampler = optuna.samplers.TPESampler(seed=a.seed + index)
        mine = optuna.load_study(study_name="peer", storage=storage, sampler=sampler)

        def objective(trial):
            start = time.perf_counter() - t0
            lam = trial.suggest_float("lambda", a.bounds[0], a.bounds[1])
            C = 1.0 / (n * math.exp(lam))
            model = LogisticRegression(C=C, fit_intercept=False, multi_class="multinomial", solver="lbfgs",
                                       max_iter=a.max_iter, tol=a.tol)
            model.fit(Xt, yt)
            W = model.coef_.T  # d × classes, columns in class order 0..classes-1
            sv, ss = Xv @ W, Xs @ W
            row = {"trial": trial.number, "lambda": lam, "C": C, "start_seconds": start,
                   "val_loss": mean_cross_entropy(sv, yv), "val_accuracy": float(np.mean(sv.argmax(1) == yv)),
                   "test_loss": mean_cross_entropy(ss, ys), "test_accuracy": float(np.mean(ss.argmax(1) == ys)),
                   "lbfgs_iterations": int(np.max(model.n_iter_)), "end_seconds": time.perf_counter() - t0}
            out.write(json.dumps(row) + "\n")
            out.flush()
            return row["val_loss"]

        while time.perf_counter() - t0 < a.budget:
            mine.optimize(objective, n_trials=1)

    ctx = multiprocessing.get_context("fork")  # the workers share the loaded arrays
    procs = [ctx.Process(target=worker, args=(i,), daemon=True) for i in range(a.jobs)]
    for p in procs:
        p.start()
    # At the budget, a fit still running is stopped: the peer gets exactly the budget.
    for p in procs:
        p.join(max(0.0, a.budget - (time.perf_counter() - t0)))
    failed = [i for i, p in enumerate(procs) if not p.is_alive() and p.exitcode != 0]
    for p in procs:
        if p.is_alive():
            p.terminate()
        p.join()
    if failed:
        sys.exit("optuna_peer.py: worker %s failed before the budget (see its traceback above)" % failed)
    rows = []
    for i in range(a.jobs):
        with open(os.path.join(work, "trials-%d.jsonl" % i)) as f:
            rows += [json.loads(line) for line in f if line.endswith("\n")]
    rows = [r for r in rows if r["end_seconds"] <= a.budget]

    rows.sort(key=lambda r: r["end_seconds"])
    best = None
    for r in rows:
        if best is None or r["val_loss"] < best["val_loss"]:
            best = r
        r["best_val_loss"] = best["val_loss"] if best else float("nan")
        r["best_test_accuracy"] = best["test_accuracy"] if best else float("nan")
    cols = ["trial", "lambda", "C", "start_seconds", "end_seconds", "val_loss", "val_accuracy", "test_loss",
            "test_accuracy", "lbfgs_iterations", "best_val_loss", "best_test_accuracy"]
    tmp = a.out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([("%.17g" % r[c]) if isinstance(r[c], float) else r[c] for c in cols])
    os.replace(tmp, a.out)
    shutil.rmtree(work, ignore_errors=True)
    if best:
        print("optuna_peer: %d trials in %.1f s on %d processes: best val loss %.6f at λ = %.4f (%.1f s), "
              "test accuracy %.4f" % (len(rows), a.budget, a.jobs, best["val_loss"], best["lambda"],
                                     best["end_seconds"], best["test_accuracy"]))
    else:
        print("optuna_peer: no trial finished within %.1f s" % a.budget)


if __name__ == "__main__":
    main()
