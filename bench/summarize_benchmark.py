#!/usr/bin/env python3
"""Turns the raw outputs of bench/run_benchmark.sh (a work folder) into a Markdown report.

    python3 bench/summarize_benchmark.py bench/results/work > bench/results/latest.md

Standard library only. See bench/README.md for what every number means.
"""
import glob
import json
import os
import re
import sys

MB = 1e6


def load_env(work):
    env = {}
    with open(os.path.join(work, "env.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def step_seconds(d):
    """The paper's cost of one hypergradient: inner iterations + hypergradient."""
    return d["seconds"]["inner"] + d["seconds"]["adjoint"]


def hp_runs(work, method, ranks):
    runs = []
    for p in sorted(glob.glob(os.path.join(work, f"hp_{method}_r{ranks}_run*.json"))):
        with open(p) as f:
            d = json.load(f)
        d["_path"] = p
        runs.append(d)
    return runs


def best(runs):
    return min(runs, key=step_seconds) if runs else None


def stream_best(work, ranks):
    vals = []
    for p in glob.glob(os.path.join(work, f"stream_r{ranks}_run*.txt")):
        with open(p) as f:
            m = re.search(r"aggregate_GBps=([0-9.]+)", f.read())
        if m:
            vals.append(float(m.group(1)))
    return max(vals) if vals else None


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
    name, cnt, tm, pct, ratio = ev
    extra = [f"{pct} %T"] if pct else []
    if ranks > 1:
        extra.append(f"max/min over ranks {ratio}")
    return (f"{name} {cnt} × {1e3 * tm / max(cnt, 1):.1f} ms = {tm:.2f} s"
            + (f" ({', '.join(extra)})" if extra else ""))


def fmt(x, digits=2):
    if x is None:
        return "n/a"
    return f"{x:.{digits}f}"


def yes_no(ok):
    return "n/a" if ok is None else ("**yes**" if ok else "**no**")


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "bench/results/work"
    env = load_env(work)
    ranks = [int(r) for r in env.get("ranks", "1 2").split()]
    runs_n = env.get("runs", "?")
    meta_path = os.path.join(work, "data", "meta.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else None

    hp = {(m, r): hp_runs(work, m, r) for m in ("aid_cg", "itd") for r in ranks}
    hpb = {key: best(v) for key, v in hp.items()}
    pt = {}
    for m in ("aid_cg", "itd"):
        p = os.path.join(work, f"pt_{m}.json")
        if os.path.exists(p):
            pt[m] = json.load(open(p))
    stream = {r: stream_best(work, r) for r in ranks}

    ref = hpb.get(("aid_cg", ranks[0]))
    t = ref["t"] if ref else None
    d = len(ref["hypergradient"]) if ref else None
    c = meta["classes"] if meta else None
    out = []
    w = out.append

    w(f"# HyperPETSc performance benchmark: `{env.get('config', '?')}`")
    w("")
    w(f"- Date: {env.get('date', '?')}; commit {env.get('commit', '?')}, binaries built "
      f"{env.get('built', '?')} and copied to `{work}/bin` before measuring"
      + (f" (+{env.get('dirty')} uncommitted tracked files outside bench/)"
         if env.get("dirty", "0").strip() not in ("0", "") else ""))
    w(f"- Machine: {env.get('nproc', '?')} cores (nproc), CPU \"{env.get('cpu', '?')}\", "
      f"{env.get('mem_gib', '?')} GiB; load average at start {env.get('loadavg_start', '?')}, "
      f"at end {env.get('loadavg_end', '?')} (the machine is shared: timings are the best of "
      f"{runs_n} interleaved runs)")
    w(f"- Caches: {env.get('caches', '?').strip().rstrip(';')}")
    w(f"- PETSc {env.get('petsc', '?')}; {env.get('mpi', '?')}"
      + (f"; extra PETSc options: `{env['extra_options']}`" if env.get("extra_options") else ""))
    busy_path = os.path.join(work, "busy.txt")
    if os.path.exists(busy_path):
        with open(busy_path) as f:
            busy = [line.split()[1:] for line in f if line.strip()]
        w(f"- Started while other processes kept the CPUs busy (waited {env.get('wait_idle')} s): "
          + ", ".join(f"{b[0]} ({b[1]})" for b in busy))
    if meta:
        w(f"- Data: train {meta['train_rows']} x {meta['features']} (nnz {meta['train_nnz']}), "
          f"val {meta['val_rows']} rows (nnz {meta['val_nnz']}), {meta['classes']} classes; "
          f"t = {t}, η = {ref['step_size']:.6g}" if ref else "")
    w("")

    # ---- times ---------------------------------------------------------------------
    w(f"## Seconds per hypergradient (inner + hypergradient, best of {runs_n})")
    w("")
    w("| implementation | method | ranks | s / hypergradient | inner s | hypergradient s "
      "| ms / inner step | linear its | peak memory MB (sum over ranks) | all runs, s "
      "| CPU share per rank, best run |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in ranks:
        for m in ("aid_cg", "itd"):
            b = hpb[(m, r)]
            if not b:
                continue
            allr = " / ".join(f"{step_seconds(x):.2f}" for x in hp[(m, r)])
            its = b["linear_solver_iterations"] if m != "itd" else "–"
            w(f"| HyperPETSc | {m} | {r} | **{step_seconds(b):.2f}** | {b['seconds']['inner']:.2f} "
              f"| {b['seconds']['adjoint']:.2f} | {1e3 * b['seconds']['inner'] / b['t']:.1f} | {its} "
              f"| {b['peak_memory_bytes'] / MB:.0f} | {allr} | {cpu_note(b['_path'][:-5] + '.cpu')} |")
    for m in ("aid_cg", "itd"):
        p = pt.get(m)
        if not p:
            continue
        s = p["seconds"]
        its = p["cg_iterations"] if m != "itd" else "–"
        w(f"| PyTorch {p['torch']} ({p['threads']} thread, spmm {p['spmm']}) | {m} | 1 "
          f"| **{s['step']:.2f}** | {s['inner']:.2f} | {s['hypergradient']:.2f} "
          f"| {1e3 * s['inner'] / p['t']:.1f} | {its} | {p['peak_memory_bytes'] / MB:.0f} "
          f"| {s['step']:.2f} (best of {p.get('repeat', 1)} in one process) "
          f"| {cpu_note(os.path.join(work, f'pt_{m}.cpu'))} |")
    w("")

    # ---- ratios and targets --------------------------------------------------------
    w("## Ratios and targets")
    w("")
    w("| quantity | value | target | met |")
    w("|---|---:|---:|---|")
    r1 = ranks[0]
    for m in ("aid_cg", "itd"):
        b, p = hpb.get((m, r1)), pt.get(m)
        ratio = p["seconds"]["step"] / step_seconds(b) if (b and p) else None
        target = "≥ 5" if m == "aid_cg" else "–"
        met = (ratio >= 5) if (m == "aid_cg" and ratio is not None) else None
        w(f"| PyTorch s / HyperPETSc s, {m}, {r1} rank | {fmt(ratio)}{'×' if ratio else ''} | {target} | "
          f"{yes_no(met) if m == 'aid_cg' else '–'} |")
    if len(ranks) > 1:
        r2 = ranks[1]
        for m in ("aid_cg", "itd"):
            b1, b2 = hpb.get((m, r1)), hpb.get((m, r2))
            sp = step_seconds(b1) / step_seconds(b2) if (b1 and b2) else None
            target = "≥ 1.7" if m == "aid_cg" else "–"
            met = (sp >= 1.7) if (m == "aid_cg" and sp is not None) else None
            w(f"| speed-up {r1} → {r2} ranks, {m} | {fmt(sp)}{'×' if sp else ''} | {target} | "
              f"{yes_no(met) if m == 'aid_cg' else '–'} |")
    w("")

    # ---- agreement -------------------------------------------------------------------
    if pt:
        w("## Agreement of the PyTorch reference with HyperPETSc (same data, η, λ₀)")
        w("")
        w("| method | ‖g_torch − g_petsc‖ / ‖g_petsc‖ | relative difference of E(W_t) "
          "| CG iterations (HyperPETSc / PyTorch) |")
        w("|---|---:|---:|---|")
        for m, p in pt.items():
            its = (f"{p.get('reference_linear_solver_iterations')} / {p['cg_iterations']}"
                   if m != "itd" else "–")
            w(f"| {m} | {p.get('rel_diff_hypergradient', float('nan')):.2e} "
              f"| {p.get('rel_diff_outer_objective', float('nan')):.2e} | {its} |")
        w("")

    # ---- bandwidth -------------------------------------------------------------------
    if meta and ref:
        n, nnz = meta["train_rows"], meta["train_nnz"]
        csr = nnz * (8 + 4) + (n + 1) * 4
        wbytes = d * c * 8
        zbytes = n * c * 8
        # The fused step (src/problems/data_operator.cpp, features layout) reads Xᵀ's CSR
        # arrays and W once, writes W_next once; Z/R are touched by the loss and the
        # gathers/scatters (counted once each as streams).
        model = csr + 2 * wbytes + 4 * zbytes
        w("## Effective memory bandwidth of one inner step")
        w("")
        w(f"Bytes moved per inner step (model of the fused step: one pass over Xᵀ's rows does "
          f"the update and the next X·W): Xᵀ's CSR arrays read once {csr / MB:.2f} MB; W read "
          f"once and W_next written once (d·c·8 = {wbytes / MB:.2f} MB each); Z and R "
          f"(n·c·8 = {zbytes / MB:.2f} MB) written and read once each: **{model / MB:.1f} MB**. "
          f"Time per inner step = seconds.inner / t of the best aid_cg run (no trajectory "
          f"stored). A low percentage means the step is bound by the latency of the row "
          f"gathers/scatters below, not by bandwidth.")
        w("")
        w("| ranks | ms / inner step | effective GB/s | STREAM triad GB/s (aggregate) | % of STREAM |")
        w("|---:|---:|---:|---:|---:|")
        for r in ranks:
            b = hpb.get(("aid_cg", r))
            if not b:
                continue
            ts = b["seconds"]["inner"] / b["t"]
            bw = model / ts / 1e9
            st = stream[r]
            pct = f"{100 * bw / st:.1f} %" if st else "n/a"
            w(f"| {r} | {1e3 * ts:.1f} | {bw:.2f} | {fmt(st)} | {pct} |")
        gather = 2 * nnz * c * 8
        w("")
        w(f"(For scale: if every nonzero's W row or G row — c·8 = {c * 8} bytes — came from "
          f"memory, X·W and Xᵀ·R would move {gather / MB:.0f} MB of gathered/scattered rows "
          f"per step on top of the CSR arrays.)")
        w("")

    # ---- memory versus t ---------------------------------------------------------------
    w("## Peak memory versus t (1 rank)")
    w("")
    n_train = meta["train_rows"] if meta else 0
    w("Expected growth of ITD from t = 25 to t = 100: the 75 extra iterates, 75·d·c·8 bytes; "
      "HyperPETSc's ITD also keeps each step's training scores (n·c·8) for the backward "
      "pass, hence the second expectation 75·(d + n)·c·8. AID's memory should not depend on t.")
    w("")
    w("| method | peak MB, t = 25 | peak MB, t = 100 | difference MB | 75·d·c·8 MB | ratio "
      "| 75·(d+n)·c·8 MB | ratio |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for m in ("itd", "aid_cg"):
        p25 = os.path.join(work, f"hp_{m}_r1_t25.json")
        b100 = hpb.get((m, 1))
        if not (os.path.exists(p25) and b100 and d and c):
            continue
        m25 = json.load(open(p25))["peak_memory_bytes"]
        m100 = b100["peak_memory_bytes"]
        steps = b100["t"] - 25
        e1 = steps * d * c * 8
        e2 = steps * (d + n_train) * c * 8
        diff = m100 - m25
        w(f"| {m} | {m25 / MB:.0f} | {m100 / MB:.0f} | {diff / MB:.0f} | {e1 / MB:.0f} "
          f"| {diff / e1:.3f} | {e2 / MB:.0f} | {diff / e2:.3f} |")
    w("")

    # ---- -log_view ---------------------------------------------------------------------
    w("## -log_view: most expensive PETSc events (best run of each configuration)")
    w("")
    w("Times are the maximum over ranks; \"max/min over ranks\" is PETSc's time ratio "
      "(load imbalance, or waiting for the other rank inside VecScatterEnd).")
    w("")
    for r in ranks:
        for m in ("aid_cg", "itd"):
            b = hpb.get((m, r))
            if not b:
                continue
            logf = b["_path"][:-5] + ".log"
            phases, kernels = log_events(logf)
            w(f"**{m}, {r} rank(s)** (`{os.path.relpath(logf)}`)  ")
            w("phases: " + "; ".join(event_text(e, r) for e in phases) + "  ")
            w("kernels: " + "; ".join(event_text(e, r) for e in kernels))
            w("")

    # ---- commands ----------------------------------------------------------------------
    w("## Commands (from the repository root)")
    w("")
    w("```")
    w("bench/run_benchmark.sh -n " + str(runs_n) + " --ranks \"" + env.get("ranks", "") + "\"")
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
