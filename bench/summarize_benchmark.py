#!/usr/bin/env python3
"""Turns the raw outputs of bench/run_benchmark.sh (a work folder) into a Markdown report.

    python3 bench/summarize_benchmark.py bench/results/work > bench/results/latest.md
    python3 bench/summarize_benchmark.py --adjoint-w-passes 11 bench/results/work   # other model

Standard library only. See bench/README.md for what every number means.
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys

MB = 1e6

# ---- traffic model (bytes per step; bench/README.md "Effective bandwidth") ------------
# Xᵀ's CSR arrays (the features layout streams Xᵀ's rows): nnz·(8 + 4) + (d + 1)·4 bytes.
# Inner step: ONE fused pass over Xᵀ's rows does the update of W and the next X·W, reading W
# once and writing W_next once. Z and R (n·c·8 ≈ 0.9 MB) stay in cache and are not counted.
INNER_XT_PASSES = 1
INNER_W_PASSES = 2
# Adjoint iteration: the product (I − ∂_wΦᵀ)v streams Xᵀ twice (X·v, then Xᵀ·(H·Xv)).
ADJOINT_XT_PASSES = 2
# W-sized (d·c·8 bytes) array passes per adjoint iteration, reads and writes each counted
# once: the product's own vector passes plus CG's. aid_cg runs KSP cgfused
# (src/methods/fused_cg.cpp, PCNONE, features layout):
#   X·p's pass also forms p = r + βp: reads r and p, writes p                   =  3
#   Xᵀ·R's pass writes q = η(Xᵀ S X p + e⊙p), reading p, and sums ⟨p, q⟩        =  2
#   the update pass: x += αp, r −= αq, ‖r‖² (reads x, p, r, q; writes x, r)     =  6
# (PETSc's KSPCG with the old shell operator, -adjoint_ksp_type cg: 22.)
ADJOINT_W_PASSES = 11

# ---- issue 8's "Done when" targets at the headline point -----------------------------
TARGET_SPEEDUP = 10.0         # (a) PyTorch / HyperPETSc aid_cg hypergradient s, at least
TARGET_ADJ_OVER_INNER = 1.3   # (b) ms per adjoint iteration / ms per inner step, at most
TARGET_INNER_MS = 12.0        # (c) ms per inner step, at most
TARGET_ITD_OVER_AID = 1.2     # (d) ITD forward step / AID inner step, at most

HP_RE = re.compile(r"hp_(aid_cg|itd)_r(\d+)_l(-?[0-9.]+)_tk(\d+)_run(\d+)\.json$")
PT_RE = re.compile(r"pt_(aid_cg|itd)_l(-?[0-9.]+)_tk(\d+)\.json$")


def load_env(work):
    env = {}
    with open(os.path.join(work, "env.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def load_json(path):
    with open(path) as f:
        d = json.load(f)
    d["_path"] = path
    return d


# ---- per-run figures ------------------------------------------------------------------

def hp_figures(d):
    """The report's figures of one HyperPETSc --json (None where they do not apply)."""
    s = d["seconds"]
    t, its = d["t"], d.get("linear_solver_iterations", 0)
    itd = d["method"] == "itd"
    return {
        # Everything but reading files: set-up, step size, trajectory storage, inner, adjoint.
        "hyper_s": s["total"] - s["load"],
        "load_s": s["load"],
        # seconds.trajectory (ITD's pre-faulted trajectory storage) may or may not exist.
        "setup_s": s["setup"] + s.get("trajectory", 0.0),
        "trajectory_s": s.get("trajectory"),
        "inner_s": s["inner"],
        "adjoint_s": s["adjoint"],
        "inner_ms": 1e3 * s["inner"] / t if t else None,
        "adjoint_ms": (1e3 * s["adjoint"] / its if its else None) if not itd else None,
        "backward_ms": 1e3 * s["adjoint"] / t if (itd and t) else None,
        "its": None if itd else its,
        "k": d.get("k"),
        "reason": d.get("converged_reason", "?"),
        "peak": d.get("peak_memory_bytes"),
        # KSPSolve's time per CG iteration from this run's -log_view (no ∇_wE, no VJP).
        "ksp_ms": ksp_ms_per_iteration(d["_path"][:-5] + ".log", its) if not itd else None,
    }


def ksp_ms_per_iteration(logf, its):
    if not its:
        return None
    phases, _ = log_events(logf)
    ksp = [e for e in phases if e[0] == "KSPSolve"]
    return 1e3 * ksp[0][2] / its if ksp else None


def pt_figures(p):
    s = p["seconds"]
    t, its = p["t"], p.get("cg_iterations", 0)
    itd = p["method"] == "itd"
    step = s["step"]
    setup = s.get("setup", 0.0)
    return {
        "hyper_s": s.get("total_minus_load", setup + step),
        "hyper_all": [setup + x for x in s.get("steps", [step])],
        "load_s": s.get("load"),
        "setup_s": setup,
        "inner_s": s["inner"],
        "adjoint_s": s.get("adjoint", s.get("hypergradient")),
        "cg_s": s.get("cg"),
        "inner_ms": 1e3 * s["inner"] / t if t else None,
        "adjoint_ms": (1e3 * s.get("adjoint", s.get("hypergradient")) / its if its else None)
        if not itd else None,
        "cg_ms": (1e3 * s["cg"] / its if (its and s.get("cg")) else None) if not itd else None,
        "backward_ms": 1e3 * s.get("adjoint", s.get("hypergradient")) / t if (itd and t) else None,
        "its": None if itd else its,
        "k": p.get("k"),
        "peak": p.get("peak_memory_bytes"),
        "repeat": p.get("repeat", 1),
    }


def cg_stop(its, k, reason):
    """Plain words for how CG ended."""
    if its is None:
        return "–"
    if k is not None and its >= k:
        return f"ran all k = {k}"
    if reason and "ATOL" in reason:
        return f"stopped early at the rounding floor ({its} of {k})"
    return f"stopped early, {reason} ({its} of {k})"


# ---- statistics over runs ---------------------------------------------------------------

def values(runs, key):
    return [r[key] for r in runs if r.get(key) is not None]


def best_of(runs, key):
    v = values(runs, key)
    return min(v) if v else None


def spread(v, digits=2):
    """'median m; min–max a–b' over the runs (n = 1: 'one run')."""
    v = [x for x in v if x is not None]
    if not v:
        return "n/a"
    if len(v) == 1:
        return "one run"
    return (f"median {statistics.median(v):.{digits}f}; "
            f"{min(v):.{digits}f}–{max(v):.{digits}f}")


def fmt(x, digits=2, unit=""):
    return "n/a" if x is None else f"{x:.{digits}f}{unit}"


def nz(x, digits):
    """x rounded, without a minus sign on zero."""
    return f"{round(x, digits) + 0.0:.{digits}f}"


def yes_no(ok):
    return "n/a" if ok is None else ("**yes**" if ok else "**no**")


def ratio(a, b):
    return a / b if (a is not None and b) else None


def stream_values(work, ranks):
    vals = []
    for p in glob.glob(os.path.join(work, f"stream_r{ranks}_run*.txt")):
        with open(p) as f:
            m = re.search(r"aggregate_GBps=([0-9.]+)", f.read())
        if m:
            vals.append(float(m.group(1)))
    return vals


def cpu_shares(path):
    """Per-rank CPU shares (%) and involuntary context switches recorded by GNU time."""
    shares, switches = [], []
    try:
        with open(path) as f:
            for line in f:
                m = re.search(r"cpu=(\d+)%.*involuntary_switches=(\d+)", line)
                if m:
                    shares.append(int(m.group(1)))
                    switches.append(int(m.group(2)))
    except FileNotFoundError:
        pass
    return shares, switches


def cpu_note(path):
    shares, switches = cpu_shares(path)
    if not shares:
        return "n/a"
    return "/".join(f"{s}" for s in shares) + f" % ({sum(switches)} inv. sw.)"


PHASES = ("HpInnerSolve", "HpAdjointSolve", "HpItdBackward", "KSPSolve")


def log_events(path, top=6):
    """From a -log_view file: (phases, kernels), each a list of
    (name, count, max time over ranks s, %T, max/min time ratio over ranks).

    Phases are the events that contain others (inner solve, adjoint solve, ITD backward
    pass, KSPSolve); kernels are the rest, most expensive first. MatMult/MatMultTranspose
    are dropped when HyperPETSc's own HpXTimesW event exists (they then only wrap the
    adjoint shell operator and the step-size power iteration)."""
    events = []
    in_table = False
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("--- Event Stage"):
                    in_table = True
                    continue
                if line.startswith("Object Type") or line.startswith("====="):
                    in_table = False
                if not in_table:
                    continue
                parts = line.split()
                if len(parts) < 16 or not parts[1].isdigit():
                    continue
                pct_t = parts[-11] if len(parts) >= 17 else ""
                events.append((parts[0], int(parts[1]), float(parts[3]), pct_t, parts[4]))
    except FileNotFoundError:
        return [], []
    names = {e[0] for e in events}
    wrappers = {"MatMult", "MatMultTranspose", "PCApply"} if "HpXTimesW" in names else {"PCApply"}
    phases = [e for e in events if e[0] in PHASES]
    kernels = sorted((e for e in events if e[0] not in PHASES and e[0] not in wrappers),
                     key=lambda e: -e[2])
    return phases, kernels[:top]


def event_text(ev, ranks):
    name, cnt, tm, pct, ratio_ = ev
    extra = [f"{pct} %T"] if pct else []
    if ranks > 1:
        extra.append(f"max/min over ranks {ratio_}")
    return (f"{name} {cnt} × {1e3 * tm / max(cnt, 1):.1f} ms = {tm:.2f} s"
            + (f" ({', '.join(extra)})" if extra else ""))


def lam_text(lam):
    return f"{lam:g}".replace("-", "−")


# ---- the report -------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("work", nargs="?", default="bench/results/work")
    ap.add_argument("--adjoint-w-passes", type=float, default=ADJOINT_W_PASSES,
                    help="W-sized array passes per adjoint iteration in the traffic model "
                         f"(default {ADJOINT_W_PASSES}: KSP cgfused, see the comment)")
    a = ap.parse_args()
    work = a.work
    env = load_env(work)
    runs_n = env.get("runs", "?")
    meta_path = os.path.join(work, "data", "meta.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else None
    head = env.get("headline", "-6 50").split()
    head_lam, head_tk = float(head[0]), int(head[1])

    # hp[(method, ranks, λ₀, t=k)] = [(run number, json, figures)] in run order
    hp = {}
    for p in glob.glob(os.path.join(work, "hp_*_run*.json")):
        m = HP_RE.search(os.path.basename(p))
        if not m:
            continue
        d = load_json(p)
        key = (m.group(1), int(m.group(2)), float(m.group(3)), int(m.group(4)))
        hp.setdefault(key, []).append((int(m.group(5)), d, hp_figures(d)))
    for v in hp.values():
        v.sort(key=lambda x: x[0])
    pt = {}
    for p in glob.glob(os.path.join(work, "pt_*.json")):
        m = PT_RE.search(os.path.basename(p))
        if m:
            d = load_json(p)
            pt[(m.group(1), float(m.group(2)), int(m.group(3)))] = (d, pt_figures(d))

    ranks = sorted({k[1] for k in hp})
    lams = sorted({k[2] for k in hp}, reverse=True)
    tks = sorted({k[3] for k in hp})
    points = [(lam, tk) for lam in lams for tk in tks]
    r1 = ranks[0] if ranks else 1

    def figs(m, r, lam, tk):
        return [f for _, _, f in hp.get((m, r, lam, tk), [])]

    def best_run(m, r, lam, tk):
        v = hp.get((m, r, lam, tk), [])
        return min(v, key=lambda x: x[2]["hyper_s"]) if v else None

    any_run = next(iter(hp.values()))[0][1] if hp else None
    d_feat = len(any_run["hypergradient"]) if any_run else None
    c = meta["classes"] if meta else None
    out = []
    w = out.append

    # ---- header ------------------------------------------------------------------------
    w(f"# HyperPETSc performance benchmark: `{env.get('config', '?')}`")
    w("")
    w(f"- Date: {env.get('date', '?')}; commit {env.get('commit', '?')}, binaries built "
      f"{env.get('built', '?')} and copied to `{work}/bin` before measuring"
      + (f" (+{env.get('dirty')} uncommitted tracked files outside bench/)"
         if env.get("dirty", "0").strip() not in ("0", "") else ""))
    w(f"- Machine: {env.get('nproc', '?')} cores (nproc), CPU \"{env.get('cpu', '?')}\", "
      f"{env.get('mem_gib', '?')} GiB; load average at start {env.get('loadavg_start', '?')}, "
      f"at end {env.get('loadavg_end', '?')} (the machine is shared: HyperPETSc figures are "
      f"the best of {runs_n} interleaved runs, with the median and min–max over the runs)")
    w(f"- Caches: {env.get('caches', '?').strip().rstrip(';')}")
    w(f"- PETSc {env.get('petsc', '?')}; {env.get('mpi', '?')}"
      + (f"; extra PETSc options: `{env['extra_options']}`" if env.get("extra_options") else ""))
    w(f"- Points: λ₀ ∈ {{{', '.join(lam_text(x) for x in lams)}}} × t = k ∈ "
      f"{{{', '.join(str(x) for x in tks)}}}, ranks {', '.join(str(x) for x in ranks)}; "
      f"headline λ₀ = {lam_text(head_lam)}, t = k = {head_tk}"
      + ("; **--quick** (one run, headline only: not a measurement to quote)"
         if env.get("quick") == "1" else ""))
    busy_path = os.path.join(work, "busy.txt")
    if os.path.exists(busy_path):
        with open(busy_path) as f:
            busy = [line.split()[1:] for line in f if line.strip()]
        w(f"- **{len(busy)} timed runs started while other processes kept the CPUs busy** "
          f"(waited {env.get('wait_idle')} s; their timings are noisy, see the CPU shares): "
          + ", ".join(f"{b[0]} ({b[1]})" for b in busy))
    skipped_path = os.path.join(work, "skipped.txt")
    if os.path.exists(skipped_path):
        with open(skipped_path) as f:
            w("- PyTorch runs skipped for lack of free memory (shared machine): "
              + "; ".join(line.strip() for line in f if line.strip()))
    if meta:
        etas = sorted({(lam, x[1]["step_size"]) for (m, r, lam, tk), v in hp.items() for x in v[:1]})
        w(f"- Data: train {meta['train_rows']} x {meta['features']} (nnz {meta['train_nnz']}), "
          f"val {meta['val_rows']} rows (nnz {meta['val_nnz']}), {meta['classes']} classes; "
          f"η (auto) = " + ", ".join(f"{eta:.6g} at λ₀ = {lam_text(lam)}" for lam, eta in etas))
    w("")

    # ---- done when -----------------------------------------------------------------------
    w(f"## Done when (issue 8): {r1} rank, λ₀ = {lam_text(head_lam)}, t = k = {head_tk}")
    w("")
    aid = figs("aid_cg", r1, head_lam, head_tk)
    itd = figs("itd", r1, head_lam, head_tk)
    ptp = pt.get(("aid_cg", head_lam, head_tk))
    rows = []
    # (a) PyTorch / HyperPETSc, everything but reading files.
    hp_best = best_of(aid, "hyper_s")
    if ptp and hp_best:
        ptf = ptp[1]
        val = ptf["hyper_s"] / hp_best
        per = [ptf["hyper_s"] / x for x in values(aid, "hyper_s")]
        note = (f"PyTorch {ptf['hyper_s']:.2f} s (best of {ptf['repeat']} in one process: "
                + " / ".join(f"{x:.2f}" for x in ptf["hyper_all"]) + f") / HyperPETSc "
                f"{hp_best:.2f} s; ratio over HyperPETSc's runs: {spread(per)}")
        rows.append(("(a) aid_cg hypergradient s (total − load), PyTorch / HyperPETSc",
                     f"{val:.2f}×", note, f"≥ {TARGET_SPEEDUP:g}", val >= TARGET_SPEEDUP))
    else:
        rows.append(("(a) aid_cg hypergradient s (total − load), PyTorch / HyperPETSc", "n/a",
                     "needs the PyTorch aid_cg run at this point", f"≥ {TARGET_SPEEDUP:g}", None))
    # (b) adjoint iteration / inner step: the ratio of the two best-of-N figures.
    b_adj, b_inner = best_of(aid, "adjoint_ms"), best_of(aid, "inner_ms")
    val = ratio(b_adj, b_inner)
    per = [ratio(f["adjoint_ms"], f["inner_ms"]) for f in aid if f["adjoint_ms"]]
    rows.append(("(b) ms per adjoint iteration / ms per inner step, aid_cg", fmt(val, 2, "×"),
                 f"{fmt(b_adj, 1)} ms / {fmt(b_inner, 1)} ms; per run: {spread(per)}",
                 f"≤ {TARGET_ADJ_OVER_INNER:g}", None if val is None else val <= TARGET_ADJ_OVER_INNER))
    # (b') the same with one CG iteration alone (KSPSolve / its from -log_view): (b) also
    # spreads the once-per-hypergradient work (∇_wE, the KSP's set-up and work vectors, the
    # final VJP in λ) over the iterations.
    b_ksp = best_of(aid, "ksp_ms")
    val = ratio(b_ksp, b_inner)
    per = [ratio(f["ksp_ms"], f["inner_ms"]) for f in aid if f.get("ksp_ms")]
    rows.append(("(b′) ms per CG iteration alone (KSPSolve / iterations) / ms per inner step, aid_cg",
                 fmt(val, 2, "×"), f"{fmt(b_ksp, 1)} ms / {fmt(b_inner, 1)} ms; per run: {spread(per)}",
                 f"≤ {TARGET_ADJ_OVER_INNER:g}", None if val is None else val <= TARGET_ADJ_OVER_INNER))
    # (c) ms per inner step.
    rows.append(("(c) ms per inner step, aid_cg", fmt(b_inner, 1), spread(values(aid, "inner_ms"), 1),
                 f"≤ {TARGET_INNER_MS:g}", None if b_inner is None else b_inner <= TARGET_INNER_MS))
    # (d) ITD forward step / AID inner step: runs r of both are interleaved neighbours.
    b_fwd = best_of(itd, "inner_ms")
    val = ratio(b_fwd, b_inner)
    per = [ratio(fi["inner_ms"], fa["inner_ms"]) for fi, fa in zip(itd, aid)]
    rows.append(("(d) ITD forward step / AID inner step", fmt(val, 2, "×"),
                 f"{fmt(b_fwd, 1)} ms / {fmt(b_inner, 1)} ms; run by run: {spread(per)}",
                 f"≤ {TARGET_ITD_OVER_AID:g}", None if val is None else val <= TARGET_ITD_OVER_AID))
    w(f"Value: from the best of {runs_n} runs of each figure (ratios: of the two best "
      f"figures); spread: median and min–max over the runs.")
    w("")
    w("| criterion | value | spread | target | met |")
    w("|---|---:|---|---:|---|")
    for name, v, note, target, ok in rows:
        w(f"| {name} | **{v}** | {note} | {target} | {yes_no(ok)} |")
    w("")

    # ---- HyperPETSc phases ---------------------------------------------------------------
    w(f"## HyperPETSc per point: phases of the best run (of {runs_n}, by hypergradient s)")
    w("")
    w("hypergradient s = `seconds.total − seconds.load` (everything but reading files); "
      "set-up = `seconds.setup` (+ `seconds.trajectory` where reported); for itd, "
      "\"adjoint s\" is the backward pass.")
    w("")
    w("| λ₀ | t = k | method | ranks | hypergradient s | spread over runs | load s | set-up s "
      "| inner s | adjoint s | CG its | CG stop | peak MB (sum over ranks) | CPU share per rank |")
    w("|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---|")
    for lam, tk in points:
        for r in ranks:
            for m in ("aid_cg", "itd"):
                b = best_run(m, r, lam, tk)
                if not b:
                    continue
                _, d, f = b
                setup = f"{f['setup_s']:.2f}" + (f" (traj. {f['trajectory_s']:.2f})"
                                                 if f["trajectory_s"] is not None else "")
                w(f"| {lam_text(lam)} | {tk} | {m} | {r} | **{f['hyper_s']:.2f}** "
                  f"| {spread(values(figs(m, r, lam, tk), 'hyper_s'))} | {f['load_s']:.2f} | {setup} "
                  f"| {f['inner_s']:.2f} | {f['adjoint_s']:.2f} | {f['its'] if f['its'] is not None else '–'} "
                  f"| {cg_stop(f['its'], f['k'], f['reason'])} | {f['peak'] / MB:.0f} "
                  f"| {cpu_note(d['_path'][:-5] + '.cpu')} |")
    w("")

    # ---- per-step figures ----------------------------------------------------------------
    w(f"## Per-step figures, ms (best of {runs_n}; median and min–max over the runs)")
    w("")
    w("AID inner step = aid_cg `seconds.inner / t`; adjoint iteration = aid_cg "
      "`seconds.adjoint / linear_solver_iterations` (includes ∇_wE and the final VJP in λ once, "
      "which matters when CG stops after few iterations; KSPSolve / CG iteration, from each "
      "run's -log_view, leaves them out); ITD forward / backward step = itd "
      "`seconds.inner / t` and `seconds.adjoint / t`.")
    w("")
    w("| λ₀ | t = k | ranks | AID inner step | AID adjoint iteration | adjoint / inner "
      "| KSPSolve / CG iteration | ITD forward step | ITD backward step | ITD forward / AID inner |")
    w("|---:|---:|---:|---|---|---:|---|---|---|---:|")

    def cell(fl, key):
        b = best_of(fl, key)
        return "n/a" if b is None else f"**{b:.1f}** ({spread(values(fl, key), 1)})"

    for lam, tk in points:
        for r in ranks:
            fa, fi = figs("aid_cg", r, lam, tk), figs("itd", r, lam, tk)
            w(f"| {lam_text(lam)} | {tk} | {r} | {cell(fa, 'inner_ms')} | {cell(fa, 'adjoint_ms')} "
              f"| {fmt(ratio(best_of(fa, 'adjoint_ms'), best_of(fa, 'inner_ms')), 2, '×')} "
              f"| {cell(fa, 'ksp_ms')} | {cell(fi, 'inner_ms')} | {cell(fi, 'backward_ms')} "
              f"| {fmt(ratio(best_of(fi, 'inner_ms'), best_of(fa, 'inner_ms')), 2, '×')} |")
    w("")

    # ---- PyTorch -------------------------------------------------------------------------
    if pt:
        w("## PyTorch reference per point (1 thread)")
        w("")
        w("hypergradient s = tensor set-up + inner + adjoint (everything but reading the files, "
          "like HyperPETSc's total − load); one run per point, the headline aid_cg point best "
          "of R repetitions in one process (set-up once). ms / adjoint it = adjoint phase / CG "
          "iterations (CG loop alone in brackets); ITD: ms / forward step and ms / backward step "
          "(adjoint phase / t).")
        w("")
        w("| λ₀ | t = k | method | hypergradient s | runs | load s | set-up s | inner s "
          "| adjoint s | ms / inner (forward) step | ms / adjoint it (CG loop) or backward step "
          "| CG its | CG stop | peak MB | PyTorch / HyperPETSc hypergradient s, "
          f"{r1} rank | CPU share |")
        w("|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|")
        for lam, tk in points:
            for m in ("aid_cg", "itd"):
                p = pt.get((m, lam, tk))
                if not p:
                    continue
                d, f = p
                second = (f"{fmt(f['adjoint_ms'], 1)} ({fmt(f['cg_ms'], 1)})" if m == "aid_cg"
                          else fmt(f["backward_ms"], 1))
                hpb = best_of(figs(m, r1, lam, tk), "hyper_s")
                allr = " / ".join(f"{x:.2f}" for x in f["hyper_all"])
                w(f"| {lam_text(lam)} | {tk} | {m} | **{f['hyper_s']:.2f}** | {allr} "
                  f"| {fmt(f['load_s'])} | {fmt(f['setup_s'])} | {f['inner_s']:.2f} | {f['adjoint_s']:.2f} "
                  f"| {fmt(f['inner_ms'], 1)} | {second} | {f['its'] if f['its'] is not None else '–'} "
                  f"| {cg_stop(f['its'], f['k'], 'ATOL')} | {f['peak'] / MB:.0f} "
                  f"| {fmt(ratio(f['hyper_s'], hpb), 2, '×')} "
                  f"| {cpu_note(d['_path'][:-5] + '.cpu')} |")
        w("")
        w("## Agreement of the PyTorch reference with HyperPETSc (same data, η, λ₀, t, k)")
        w("")
        w("| λ₀ | t = k | method | ‖g_torch − g_petsc‖ / ‖g_petsc‖ | relative difference of E(W_t) "
          "| CG iterations (HyperPETSc / PyTorch) |")
        w("|---:|---:|---|---:|---:|---|")
        for lam, tk in points:
            for m in ("aid_cg", "itd"):
                p = pt.get((m, lam, tk))
                if not p:
                    continue
                d = p[0]
                its = (f"{d.get('reference_linear_solver_iterations')} / {d['cg_iterations']}"
                       if m != "itd" else "–")
                w(f"| {lam_text(lam)} | {tk} | {m} | {d.get('rel_diff_hypergradient', float('nan')):.2e} "
                  f"| {d.get('rel_diff_outer_objective', float('nan')):.2e} | {its} |")
        w("")

    # ---- bandwidth -----------------------------------------------------------------------
    if meta and d_feat and c:
        nnz = meta["train_nnz"]
        csr = nnz * (8 + 4) + (d_feat + 1) * 4
        wbytes = d_feat * c * 8
        inner_b = INNER_XT_PASSES * csr + INNER_W_PASSES * wbytes
        adj_b = ADJOINT_XT_PASSES * csr + a.adjoint_w_passes * wbytes
        w("## Effective memory bandwidth")
        w("")
        w(f"Traffic model (`summarize_benchmark.py`): Xᵀ's CSR arrays nnz·12 + (d+1)·4 = "
          f"{csr / MB:.2f} MB per pass; a W-sized array d·c·8 = {wbytes / MB:.2f} MB per pass. "
          f"**Inner step** = {INNER_XT_PASSES} fused pass over Xᵀ + W read + W written "
          f"({INNER_W_PASSES} W passes) = **{inner_b / MB:.1f} MB**. **Adjoint iteration** = "
          f"{ADJOINT_XT_PASSES} passes over Xᵀ (the product: X·v, Xᵀ·r) + {a.adjoint_w_passes:g} "
          f"W-sized vector passes (the product's and CG's; "
          f"{'KSP cgfused' if a.adjoint_w_passes == ADJOINT_W_PASSES else 'set by --adjoint-w-passes'}) "
          f"= **{adj_b / MB:.1f} MB**. Z and R (n·c·8) are not counted; the irregular row "
          f"accesses are not either, so a low percentage means latency- or compute-bound, "
          f"not bandwidth-bound. Times: best aid_cg run of each figure; STREAM: best triad "
          f"of the runs interleaved with these (same rank count, aggregate over ranks).")
        w("")
        w("| λ₀ | t = k | ranks | ms / inner step | inner GB/s | ms / adjoint it | adjoint GB/s "
          "| CG its | STREAM triad GB/s (best; spread) | inner % of STREAM | adjoint % of STREAM |")
        w("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
        for r in ranks:
            sv = stream_values(work, r)
            st = max(sv) if sv else None
            for lam, tk in points:
                fa = figs("aid_cg", r, lam, tk)
                if not fa:
                    continue
                ti, ta = best_of(fa, "inner_ms"), best_of(fa, "adjoint_ms")
                bi = inner_b / (ti * 1e-3) / 1e9 if ti else None
                ba = adj_b / (ta * 1e-3) / 1e9 if ta else None
                its = best_run("aid_cg", r, lam, tk)[2]["its"]
                w(f"| {lam_text(lam)} | {tk} | {r} | {fmt(ti, 1)} | {fmt(bi)} | {fmt(ta, 1)} "
                  f"| {fmt(ba)} | {its} | {fmt(st)} ({spread(sv)}) "
                  f"| {fmt(ratio(100 * bi, st) if bi else None, 1, ' %')} "
                  f"| {fmt(ratio(100 * ba, st) if ba else None, 1, ' %')} |")
        w("")

    # ---- memory versus t -----------------------------------------------------------------
    if len(tks) > 1 and meta and d_feat and c:
        lo, hi = tks[0], tks[-1]
        n_train = meta["train_rows"]
        dt = hi - lo
        e1 = dt * d_feat * c * 8
        e2 = dt * (d_feat + n_train) * c * 8
        w(f"## Peak memory versus t ({r1} rank, t = {lo} against t = {hi})")
        w("")
        w(f"ITD stores the iterates: expected growth {dt}·d·c·8 bytes; HyperPETSc's ITD also "
          f"keeps each step's training scores (n·c·8), hence the second expectation "
          f"{dt}·(d + n)·c·8. AID's memory should not depend on t (nor on k).")
        w("")
        w(f"| λ₀ | method | peak MB, t = {lo} | peak MB, t = {hi} | difference MB "
          f"| {dt}·d·c·8 MB | ratio | {dt}·(d+n)·c·8 MB | ratio |")
        w("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for lam in lams:
            for m in ("itd", "aid_cg"):
                a_lo, a_hi = best_run(m, r1, lam, lo), best_run(m, r1, lam, hi)
                if not (a_lo and a_hi):
                    continue
                m_lo, m_hi = a_lo[2]["peak"], a_hi[2]["peak"]
                diff = m_hi - m_lo
                w(f"| {lam_text(lam)} | {m} | {m_lo / MB:.0f} | {m_hi / MB:.0f} | {nz(diff / MB, 0)} "
                  f"| {e1 / MB:.0f} | {nz(diff / e1, 3)} | {e2 / MB:.0f} | {nz(diff / e2, 3)} |")
        w("")

    # ---- -log_view -----------------------------------------------------------------------
    w(f"## -log_view at the headline point (λ₀ = {lam_text(head_lam)}, t = k = {head_tk}; "
      "best run of each configuration)")
    w("")
    w("Times are the maximum over ranks; \"max/min over ranks\" is PETSc's time ratio "
      "(load imbalance, or waiting for the other rank inside VecScatterEnd). KSPSolve / CG "
      "iterations is the adjoint iteration without the one-off ∇_wE and VJP.")
    w("")
    for r in ranks:
        for m in ("aid_cg", "itd"):
            b = best_run(m, r, head_lam, head_tk)
            if not b:
                continue
            logf = b[1]["_path"][:-5] + ".log"
            phases, kernels = log_events(logf)
            ksp = [e for e in phases if e[0] == "KSPSolve"]
            its = b[2]["its"]
            per_it = (f"; KSPSolve / {its} CG iterations = {1e3 * ksp[0][2] / its:.1f} ms"
                      if (ksp and its) else "")
            w(f"**{m}, {r} rank(s)** (`{os.path.relpath(logf)}`)  ")
            w("phases: " + "; ".join(event_text(e, r) for e in phases) + per_it + "  ")
            w("kernels: " + "; ".join(event_text(e, r) for e in kernels))
            w("")

    # ---- commands ------------------------------------------------------------------------
    w("## Commands (from the repository root)")
    w("")
    w("```")
    cmd = "bench/run_benchmark.sh"
    if env.get("quick") == "1":
        cmd += " --quick"
    else:
        cmd += (f" -n {runs_n} --ranks \"{env.get('ranks', '')}\" --lambdas \"{env.get('lambdas', '')}\""
                f" --tk \"{env.get('tks', '')}\" --pytorch-repeat {env.get('pytorch_repeat', '')}")
    w(cmd)
    seen = set()
    try:
        with open(os.path.join(work, "commands.txt")) as f:
            for line in f:
                line = line.rstrip("\n")
                if "pytorch_hypergrad" not in line:  # timed runs: show run 1 as r
                    if re.search(r"_run(\d+)", line) and not re.search(r"_run1\b", line):
                        continue
                    line = re.sub(r"_run1\b", "_run<r>", line)
                line = re.sub(r"/usr/bin/time -a -o \S+ -f cpu=%P wall=%e involuntary_switches=%c ",
                              "", line)
                if line not in seen:
                    seen.add(line)
                    w("  " + line)
    except FileNotFoundError:
        pass
    w("```")
    print("\n".join(out))


if __name__ == "__main__":
    main()
