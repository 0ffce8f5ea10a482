#!/usr/bin/python3
"""PyTorch reference for HyperPETSc's logistic_l2 hypergradients (hypertorch style).

Run with /usr/bin/python3 (torch 1.13 + numpy); one thread (torch.set_num_threads(1)).

    build/bench/dump_dataset bench/configs/news20_like.yaml DIR
    /usr/bin/python3 bench/pytorch_hypergrad.py --data DIR --method aid_cg \
        --step-size ETA --init -4 --t 100 --k 100 [--reference hyperpetsc.json] [--json out.json]

Problem (the same as HyperPETSc's FeatureL2Model, logistic_l2):
    L(W, λ) = mean_i CE(softmax(x_i W), y_i) + ½ Σ_j exp(λ_j) ‖W_j,:‖²      (train split)
    E(W)    = mean_i CE(softmax(x_i W), y_i)                                (val split)
    Φ(W, λ) = W − η ∇_W L(W, λ),  W_0 = 0,  W ∈ R^{d×c}.

Methods (everything differentiated by autograd, like prolearner/hypertorch):
    aid_cg: t plain gradient steps without a graph; then, at W_t, hypertorch's hg.CG:
            v solves (I − ∂_WΦᵀ) v = ∇_W E by k conjugate-gradient iterations whose matrix-vector
            products are vector-Jacobian products of Φ (double backward); ĝ = ∂_λΦᵀ v.
            CG stops early only when ‖r‖ ≤ 10·ε·‖∇_W E‖ (the residual is zero to rounding),
            the same rule as HyperPETSc (--cg-iterations forces an exact count instead).
    itd:    t gradient steps with create_graph=True, then backward from E(W_t) to λ.

Timing (all time.perf_counter, best of --repeat runs in this process):
    seconds.load          reading the LIBSVM files (the only part excluded from the total)
    seconds.setup         building the tensors (CSR X and its transpose, labels), once
    seconds.inner         the t inner steps (itd: the forward pass that records the graph)
    seconds.adjoint       aid_cg: ∇_W E, the graph of Φ at W_t, the CG loop and ∂_λΦᵀ v;
                          itd: the backward pass through the t steps
    seconds.cg            aid_cg: the CG loop alone (cg_iterations products + vector updates)
    seconds.step          inner + adjoint (the paper's cost of one hypergradient)
    seconds.total_minus_load  setup + step: everything but reading files, like HyperPETSc's
                          seconds.total − seconds.load
seconds.steps lists every repetition's step. Peak memory is
resource.getrusage(RUSAGE_SELF).ru_maxrss of this process (run one method per process).

The sparse products use CSR tensors through a small autograd.Function that keeps X and a
precomputed Xᵀ (so the backward of X·W is Xᵀ·G, itself differentiable for double
backward); --spmm native uses torch.sparse.mm on a COO tensor instead (a little slower).
"""
import argparse
import json
import math
import os
import resource
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")


def read_libsvm(path, d):
    """LIBSVM text (1-based indices, sorted) -> (crow, col, val, labels) as numpy arrays."""
    labels, crow, cols, vals = [], [0], [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            labels.append(float(parts[0]))
            for tok in parts[1:]:
                i, v = tok.split(":")
                cols.append(int(i) - 1)
                vals.append(float(v))
            crow.append(len(cols))
    col = np.asarray(cols, dtype=np.int64)
    if col.size and col.max() >= d:
        sys.exit(f"{path}: feature index {col.max() + 1} > d = {d}")
    return (np.asarray(crow, dtype=np.int64), col, np.asarray(vals, dtype=np.float64),
            np.asarray(labels, dtype=np.float64))


def csr_transpose(crow, col, val, n, d):
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(crow))
    order = np.argsort(col, kind="stable")  # stable: row indices stay sorted per column
    tcrow = np.zeros(d + 1, dtype=np.int64)
    np.cumsum(np.bincount(col, minlength=d), out=tcrow[1:])
    return tcrow, rows[order], val[order]


def to_csr(crow, col, val, shape):
    return torch.sparse_csr_tensor(torch.from_numpy(crow), torch.from_numpy(col),
                                   torch.from_numpy(val), size=shape, dtype=torch.float64)


class SpMM(torch.autograd.Function):
    """A·W for a constant sparse A, with backward Aᵀ·G via a stored Aᵀ (twice differentiable)."""

    @staticmethod
    def forward(ctx, a, at, w):
        ctx.a, ctx.at = a, at
        return a @ w

    @staticmethod
    def backward(ctx, g):
        return None, None, SpMM.apply(ctx.at, ctx.a, g)


class Split:
    def __init__(self, crow, col, val, labels, d, spmm):  # the tensors (timed as set-up)
        n = len(labels)
        self.n = n
        self.y = torch.from_numpy(labels.astype(np.int64))
        if spmm == "custom":
            self.x = to_csr(crow, col, val, (n, d))
            self.xt = to_csr(*csr_transpose(crow, col, val, n, d), (d, n))
        else:
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(crow))
            self.x = torch.sparse_coo_tensor(torch.from_numpy(np.vstack([rows, col])),
                                             torch.from_numpy(val), (n, d)).coalesce()
            self.xt = None

    def scores(self, w):
        if self.xt is not None:
            return SpMM.apply(self.x, self.xt, w)
        return torch.sparse.mm(self.x, w)

    def loss(self, w):
        return F.cross_entropy(self.scores(w), self.y)  # mean over rows


class Problem:
    def __init__(self, train, val, eta):
        self.train, self.val, self.eta = train, val, eta

    def inner_loss(self, w, lam):
        return self.train.loss(w) + 0.5 * (torch.exp(lam) * (w * w).sum(dim=1)).sum()

    def outer_loss(self, w):
        return self.val.loss(w)

    def fp_map(self, w, lam, create_graph):
        g, = torch.autograd.grad(self.inner_loss(w, lam), w, create_graph=create_graph)
        return w - self.eta * g


def cg(ax, b, max_iter, floor, fixed_iterations=None):
    """hypertorch's cg_step on one tensor, v_0 = 0; returns (x, iterations)."""
    x = torch.zeros_like(b)
    r = b.clone()
    p = r.clone()
    rtr = torch.sum(r * r)
    n_it = fixed_iterations if fixed_iterations is not None else max_iter
    it = 0
    for it in range(n_it + 1):
        if it == n_it or (fixed_iterations is None and math.sqrt(float(rtr)) <= floor):
            break
        ap = ax(p)
        alpha = rtr / torch.sum(p * ap)
        x = x + alpha * p
        r = r - alpha * ap
        rtr_new = torch.sum(r * r)
        p = r + (rtr_new / rtr) * p
        rtr = rtr_new
    return x, it


def aid_cg(prob, lam0, d, c, t, k, fixed_iterations):
    t0 = time.perf_counter()
    lam = lam0.detach()
    w = torch.zeros(d, c, dtype=torch.float64)
    for _ in range(t):
        w.requires_grad_(True)
        w = prob.fp_map(w, lam, create_graph=False).detach()
    t1 = time.perf_counter()

    w = w.detach().requires_grad_(True)
    lam = lam0.detach().clone().requires_grad_(True)
    e = prob.outer_loss(w)
    grad_w, = torch.autograd.grad(e, w)  # ∇_λE = 0 for this problem
    w_mapped = prob.fp_map(w, lam, create_graph=True)

    def ax(v):  # (I − ∂_WΦᵀ) v by a vector-Jacobian product of Φ
        jv, = torch.autograd.grad(w_mapped, w, grad_outputs=v, retain_graph=True)
        return v - jv

    floor = 10 * np.finfo(np.float64).eps * float(torch.linalg.norm(grad_w))
    tc = time.perf_counter()
    v, its = cg(ax, grad_w, k, floor, fixed_iterations)
    tc = time.perf_counter() - tc
    hg, = torch.autograd.grad(w_mapped, lam, grad_outputs=v)
    t2 = time.perf_counter()
    return dict(hypergradient=hg.detach(), outer_objective=float(e), inner=t1 - t0,
                hyper=t2 - t1, cg=tc, cg_iterations=its)


def itd(prob, lam0, d, c, t):
    t0 = time.perf_counter()
    lam = lam0.detach().clone().requires_grad_(True)
    w = torch.zeros(d, c, dtype=torch.float64, requires_grad=True)  # W_0 = 0, no λ dependence
    for _ in range(t):
        w = prob.fp_map(w, lam, create_graph=True)
    t1 = time.perf_counter()
    e = prob.outer_loss(w)
    hg, = torch.autograd.grad(e, lam)
    t2 = time.perf_counter()
    return dict(hypergradient=hg.detach(), outer_objective=float(e), inner=t1 - t0,
                hyper=t2 - t1, cg=0.0, cg_iterations=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder written by build/bench/dump_dataset")
    ap.add_argument("--method", choices=["aid_cg", "itd"], required=True)
    ap.add_argument("--step-size", type=float, required=True,
                    help="η: pass HyperPETSc's JSON \"step_size\"")
    ap.add_argument("--init", type=float, required=True, help="initial λ_j (all j)")
    ap.add_argument("--t", type=int, default=100, help="inner iterations")
    ap.add_argument("--k", type=int, default=100, help="maximum CG iterations (aid_cg)")
    ap.add_argument("--cg-iterations", type=int, default=None,
                    help="run exactly this many CG iterations (no early stop)")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs; the best is reported")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--spmm", choices=["custom", "native"], default="custom")
    ap.add_argument("--reference", help="HyperPETSc --json output to compare against")
    ap.add_argument("--json", help="write the result here")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    with open(os.path.join(a.data, "meta.json")) as f:
        meta = json.load(f)
    if meta["problem"] != "logistic_l2":
        sys.exit("only problem.type logistic_l2 is implemented")
    d, c = meta["features"], meta["classes"]
    tl = time.perf_counter()
    train_arrays = read_libsvm(os.path.join(a.data, "train.libsvm"), d)
    val_arrays = read_libsvm(os.path.join(a.data, "val.libsvm"), d)
    ts = time.perf_counter()
    load = ts - tl
    train = Split(*train_arrays, d, a.spmm)
    val = Split(*val_arrays, d, a.spmm)
    setup = time.perf_counter() - ts
    del train_arrays, val_arrays
    prob = Problem(train, val, a.step_size)
    lam0 = torch.full((d,), a.init, dtype=torch.float64)

    best, steps = None, []
    for _ in range(a.repeat):
        r = (aid_cg(prob, lam0, d, c, a.t, a.k, a.cg_iterations) if a.method == "aid_cg"
             else itd(prob, lam0, d, c, a.t))
        r["step"] = r["inner"] + r["hyper"]
        steps.append(r["step"])
        if best is None or r["step"] < best["step"]:
            best = r
    hg = best["hypergradient"].numpy()
    out = {
        "implementation": "pytorch", "torch": torch.__version__, "threads": a.threads,
        "spmm": a.spmm, "method": a.method, "t": a.t, "k": a.k, "step_size": a.step_size,
        "init": a.init, "features": d, "classes": c, "train_rows": train.n, "val_rows": val.n,
        "cg_iterations": best["cg_iterations"], "outer_objective": best["outer_objective"],
        "hypergradient_norm": float(np.linalg.norm(hg)),
        "seconds": {"step": best["step"], "inner": best["inner"], "adjoint": best["hyper"],
                    "hypergradient": best["hyper"], "cg": best["cg"], "load": load,
                    "setup": setup, "total_minus_load": setup + best["step"], "steps": steps},
        "repeat": a.repeat,
        "peak_memory_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    if a.reference:
        with open(a.reference) as f:
            ref = json.load(f)
        g = np.asarray(ref["hypergradient"], dtype=np.float64)
        if g.shape != hg.shape:
            sys.exit(f"reference hypergradient has {g.size} entries, expected {hg.size}")
        out["reference"] = a.reference
        out["rel_diff_hypergradient"] = float(np.linalg.norm(hg - g) / np.linalg.norm(g))
        out["rel_diff_outer_objective"] = abs(best["outer_objective"] - ref["outer_objective"]) / abs(
            ref["outer_objective"])
        out["reference_linear_solver_iterations"] = ref.get("linear_solver_iterations")
        out["reference_converged_reason"] = ref.get("converged_reason")
    line = (f"pytorch {a.method}: t={a.t} k={a.k} E={best['outer_objective']:.10g} "
            f"|g|={out['hypergradient_norm']:.10g} cg_iterations={best['cg_iterations']}  "
            f"load {load:.3f} s, setup {setup:.3f} s, step {best['step']:.3f} s (inner "
            f"{best['inner']:.3f}, adjoint {best['hyper']:.3f}, cg {best['cg']:.3f}; best of "
            f"{a.repeat}), peak memory {out['peak_memory_bytes'] / 1e6:.1f} MB")
    if a.reference:
        line += f"; rel. diff vs HyperPETSc {out['rel_diff_hypergradient']:.3e}"
    print(line, flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
