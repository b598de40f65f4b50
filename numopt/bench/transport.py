"""Entropic OT: numopt's ``sinkhorn`` (SNS, log domain, scaling) against POT's ``ot.sinkhorn``
(``"sinkhorn"``, ``"sinkhorn_log"``, ``"sinkhorn_stabilized"``), side by side in one process.

Each solver runs once per case towards machine accuracy (L1 marginal error ``MACHINE``) under
a time budget; the times and iterations to ``1e-8`` and ``1e-10`` are read off its error
trace (numopt: ``history``; POT: ``log["err"]``, its own L2 error of one marginal, which is
never above the L1 error, so POT is credited early). Per-iteration speed is measured at
equal iteration counts, best of ``REPEATS``; memory is the tracemalloc peak of
a short run.
"""

import math
import time
import tracemalloc
import warnings

import numpy as np

from .common import Case, Section, markdown_table, peer, ratio, save_figure

TITLE = "Entropic optimal transport (numopt.transport.sinkhorn vs POT)"
PEERS = ("ot",)
TARGETS = (1e-8, 1e-10)
MACHINE = 1e-13  # "machine accuracy" target of the L1 marginal error
REPEATS = 3  # best-of repeats for the equal-iteration timing
NUMOPT = ("sns", "sinkhorn_log", "sinkhorn")
POT = ("sinkhorn", "sinkhorn_log", "sinkhorn_stabilized")
POT_PERIOD = {"sinkhorn": 10, "sinkhorn_log": 10, "sinkhorn_stabilized": 20}


GRID_N = (500, 1000, 2000, 5000)
GRID_REG = (0.05, 0.01, 0.002, 1 / 1200)
BUDGET = {500: 5.0, 1000: 10.0, 2000: 15.0, 5000: 25.0}  # seconds per solver and case


def cases(quick):
    """Random assignment (Tang et al. 2024, Table 1); 2-D uniform and Gaussian-mixture
    clouds over ``GRID_N x GRID_REG``; W2 and W1 between discretized 2-D densities. A full
    run takes about an hour on 2 cores (each solver stops at its ``BUDGET``)."""
    if quick:
        specs = [("random_assignment", 200, 1 / 1200, 2.5), ("uniform", 300, 0.01, 0.8)]
    else:
        specs = [("random_assignment", 500, 1 / 1200, 40.0)]
        specs += [(kind, n, reg, BUDGET[n]) for kind in ("uniform", "gaussian_mixture")
                  for n in GRID_N for reg in GRID_REG]
        specs += [("densities_w2", 1024, 0.002, 15.0), ("densities_w1", 1024, 0.002, 15.0)]
    out = [Case("transport", f"{kind} n={n} reg={reg:.3g}",
                dict(kind=kind, n=n, reg=reg, budget=budget, quick=quick))
           for kind, n, reg, budget in specs]
    clouds = [(2000, 60.0)] if quick else [(20_000, 600.0), (100_000, 900.0)]
    out += [Case("transport", f"point_cloud n={n} d=3 reg=0.01 median",
                 dict(kind="point_cloud", n=n, reg=None, budget=budget, quick=quick))
            for n, budget in clouds]
    return out


CLOUD_TOL = 1e-6  # L1 marginal error of the point-cloud cases (the target)
POT_LAZY_ITERATIONS = 2  # POT's lazy iterations timed (each one is a full n x m pass)
PLAIN_N = 2000  # the plain (POT's) iteration is counted on clouds of this size at most


def run_cloud_case(case):
    """Uniform clouds in the unit cube, squared Euclidean cost, ``reg = 0.01 x`` the
    median cost, to L1 marginal error ``CLOUD_TOL``: numopt's PointCloud solve (multiscale
    start, adaptive over-relaxation, truncation tied to tol), and POT's
    ``empirical_sinkhorn(..., isLazy=True)`` timed over ``POT_LAZY_ITERATIONS`` iterations
    at the same ``n`` and credited with the iteration count of the same log-domain
    iteration (numopt without ε-scaling, multiscale or over-relaxation) to the same error
    on clouds of ``min(n, PLAIN_N)`` points from the same distribution and reg (the count
    is a property of the continuous problem: its contraction is ``exp(-pi^2 reg / 2)``;
    the full POT run at n = 20 000 would take hours)."""
    import resource

    from ..transport import PointCloud, sinkhorn

    p = case.params
    n, budget = p["n"], p["budget"]
    rng = np.random.default_rng(0)
    x, y = rng.random((n, 3)), rng.random((n, 3))
    sub = ((x[:2000, None] - y[None, :2000]) ** 2).sum(-1)
    reg = 0.01 * float(np.median(sub))
    a = np.full(n, 1 / n)
    sinkhorn(a[:300] * n / 300, a[:300] * n / 300, PointCloud(x[:300], y[:300]), reg,
             max_iter=20, warn=False)  # compile
    rows = []
    tracemalloc.start()
    cpu = time.process_time()  # CPU seconds of all threads: robust on a loaded machine
    res = sinkhorn(a, a, PointCloud(x, y), reg, tol=CLOUD_TOL, max_time=budget, warn=False)
    cpu = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    start = float(res.history["time"][0])
    rows.append(dict(solver="numopt PointCloud", total_nit=res.nit, total_time=res.time,
                     cpu_time=cpu, final_error=res.marginal_error, status=res.status_enum.name,
                     sec_per_iter=(res.time - start) / max(res.nit, 1), coarse_time=start,
                     nfev=res.nfev, levels=" / ".join(f"{c[0]}: {c[2]} its"
                                                      for c in res.coarse),
                     peak_MiB=peak, reg=reg,
                     maxrss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    small = min(n, PLAIN_N)
    plain = sinkhorn(a[:small] * n / small, a[:small] * n / small,
                     PointCloud(x[:small], y[:small]), reg, tol=CLOUD_TOL, warn=False,
                     eps_scaling=None, overrelax=False, multiscale=False,
                     max_time=budget)
    rows.append(dict(solver=f"plain log-domain iteration (POT's), n={small}",
                     total_nit=plain.nit, total_time=plain.time,
                     final_error=plain.marginal_error, status=plain.status_enum.name))
    ot = peer("ot")
    if ot is not None and n <= 20_000:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start, cpu = time.perf_counter(), time.process_time()
            ot.bregman.empirical_sinkhorn(x, y, reg, a=a, b=a, numIterMax=POT_LAZY_ITERATIONS,
                                          stopThr=0.0, isLazy=True)
            per_iteration = (time.perf_counter() - start) / POT_LAZY_ITERATIONS
            cpu_per_iteration = (time.process_time() - cpu) / POT_LAZY_ITERATIONS
        its = plain.nit if plain.success else None
        rows.append(dict(solver="POT empirical_sinkhorn isLazy", sec_per_iter=per_iteration,
                         total_nit=its, total_time=None if its is None else per_iteration * its,
                         cpu_time=None if its is None else cpu_per_iteration * its,
                         status=f"estimated: sec/iteration at n={n} x the iterations of the "
                                f"same iteration at n={small}"))
    for row in rows:
        row.update(problem=case.name, kind="point_cloud", n=n)
    return rows


def instance(kind, n, seed=0):
    """``(a, b, M)`` with ``max(M) = 1``."""
    rng = np.random.default_rng(seed)
    if kind == "random_assignment":
        return np.full(n, 1 / n), np.full(n, 1 / n), rng.random((n, n))
    if kind.startswith("densities"):
        side = int(math.isqrt(n))
        grid = np.stack(np.meshgrid(*(np.linspace(0, 1, side),) * 2), -1).reshape(-1, 2)
        a = np.exp(-((grid - 0.3) ** 2).sum(1) / 0.02) + 1e-3
        b = np.exp(-((grid - [0.7, 0.6]) ** 2).sum(1) / 0.05) + 1e-3
        x = y = grid
        a, b = a / a.sum(), b / b.sum()
    else:
        x, y = rng.random((n, 2)), rng.random((n, 2))
        if kind == "gaussian_mixture":
            centers = rng.random((4, 2))
            x = centers[rng.integers(0, 4, n)] + 0.05 * rng.standard_normal((n, 2))
            y = centers[rng.integers(0, 4, n)] + 0.05 * rng.standard_normal((n, 2))
        a = b = np.full(n, 1 / n)
    M = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))
    M = M if kind == "densities_w1" else M ** 2
    return a, b, M / M.max()


def l1_error(P, a, b):
    return float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())


def _crossings(iters, times, errors, row):
    for target in (*TARGETS, MACHINE):
        hit = np.flatnonzero(errors <= target)
        key = "machine" if target == MACHINE else f"{target:.0e}"
        row[f"nit_{key}"] = int(iters[hit[0]]) if hit.size else None
        row[f"time_{key}"] = float(times[hit[0]]) if hit.size else None
    return row


def run_numopt(method, a, b, M, reg, budget):
    from ..errors import InvalidProblemError
    from ..transport import sinkhorn

    row = dict(solver=f"numopt {method}")
    try:
        res = sinkhorn(a, b, M, reg, method=method, tol=MACHINE, max_time=budget)
    except InvalidProblemError as err:
        return dict(row, status="refused: " + str(err).split(";")[0][:60])
    h = res.history
    checked = ~np.isnan(h["marginal_error"])
    row.update(final_error=res.marginal_error, status=res.status_enum.name, total_nit=res.nit,
               total_time=res.time, trace=(h["time"][checked], h["marginal_error"][checked]))
    row = _crossings(h["iter"][checked], h["time"][checked], h["marginal_error"][checked], row)
    if method == "sns":  # SNS plans for the tol it is given (its Sinkhorn -> Newton cost
        for target in TARGETS:  # model): time a run per target, not a crossing
            res = sinkhorn(a, b, M, reg, method=method, tol=target, max_time=budget)
            ok = res.success and res.marginal_error <= target
            row[f"nit_{target:.0e}"] = res.nit if ok else None
            row[f"time_{target:.0e}"] = res.time if ok else None
    return row


def run_pot(ot, method, a, b, M, reg, budget):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        ot.sinkhorn(a, b, M, reg, method=method, numItermax=20, stopThr=0.0)
        # an average over 20 iterations (set-up included) bounds the cost of one from
        # above, also when POT quits early on NaN and a marginal estimate would read 0
        per_iteration = (time.perf_counter() - start) / 20
        cap = max(20, int(budget / per_iteration) // 20 * 20)
        start = time.perf_counter()
        P, log = ot.sinkhorn(a, b, M, reg, method=method, numItermax=cap, stopThr=MACHINE,
                             log=True)
        elapsed = time.perf_counter() - start
    nit = int(log.get("niter", log.get("n_iter", cap)))
    errors = np.asarray(log["err"], dtype=float)
    iters = np.arange(errors.size) * POT_PERIOD[method]
    times = elapsed * iters / max(nit, 1)
    final = l1_error(P, a, b)
    if not np.all(np.isfinite(P)):
        status = "FAILED: NaN/inf plan"
    elif final >= 0.5 * (a.sum() + b.sum()):
        status = f"FAILED: plan lost the mass (error {final:.2g})"
    else:
        status = "SUCCESS" if final <= MACHINE * 10 else f"stopped at {nit} its"
    row = dict(solver=f"POT {method}", final_error=final, status=status, total_nit=nit,
               total_time=elapsed, trace=(times, errors))
    return _crossings(iters, times, errors, row)


def _marginal_seconds(run, iterations, repeats=1):
    """Seconds per extra iteration: ``(t(2k) - t(k)) / k``, which cancels set-up costs
    (kernel matrix, validation, final plan) on both sides; each of ``t(k)``, ``t(2k)`` is
    the best of ``repeats`` runs. ``run(k)`` returns the iterations it made; None when a
    run stopped short of ``k`` (an error of exactly 0 counts as converged, NaN as a stop),
    where there is nothing to compare."""
    best = {}
    for _ in range(repeats):
        for k in (iterations, 2 * iterations):
            start = time.perf_counter()
            done = run(k)
            if done < k:
                return None
            best[k] = min(best.get(k, math.inf), time.perf_counter() - start)
    return max((best[2 * iterations] - best[iterations]) / iterations, 1e-7)


def per_iteration(ot, a, b, M, reg, iterations, repeats=REPEATS):
    """Seconds per iteration at equal iteration counts (numopt vs POT, best of ``repeats``
    runs of each length, numopt then POT for each method)."""
    from ..transport import sinkhorn

    pairs = ["sinkhorn_log"] + (["sinkhorn"] if M.max() / reg <= 700 else [])
    best = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in pairs:
            for label, run in ((f"numopt {method}", lambda k, m=method: sinkhorn(
                    a, b, M, reg, method=m, tol=1e-300, max_iter=k).nit),
                               (f"POT {method}", lambda k, m=method: _pot_iterations(
                                   ot, a, b, M, reg, m, k))):
                # a scaling iteration is ~100x cheaper: more of them, or noise wins
                count = iterations * (20 if method == "sinkhorn" else 1)
                best[label] = _marginal_seconds(run, count, repeats)
    return best


def _pot_iterations(ot, a, b, M, reg, method, k):
    """Iterations POT made in a run capped at ``k`` (it stops early only on NaN; its log
    holds the last 0-based iteration index)."""
    P, log = ot.sinkhorn(a, b, M, reg, method=method, numItermax=k, stopThr=0.0, log=True)
    return int(log.get("niter", k - 1)) + 1 if np.all(np.isfinite(P)) else 0


def peak_memory(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run_case(case):
    """Every numopt and POT solver on one case; flat rows (one per solver)."""
    from ..transport import sinkhorn

    if case.params["kind"] == "point_cloud":
        return run_cloud_case(case)
    ot = peer("ot")
    p = case.params
    a, b, M = instance(p["kind"], p["n"])
    reg, budget = p["reg"], p["budget"]
    sinkhorn(a[:4] / a[:4].sum(), b[:4] / b[:4].sum(), M[:4, :4], reg, max_iter=30,
             warn=False)  # compile
    rows = [run_numopt(m, a, b, M, reg, budget) for m in NUMOPT]
    if ot is not None:
        rows += [run_pot(ot, m, a, b, M, reg, budget) for m in POT]
        # about 2e8 entry visits per timed run: 50 iterations at n = 2000, 8 at n = 5000
        iterations = int(np.clip(2e8 / M.size, 8, 50))
        speed = per_iteration(ot, a, b, M, reg, iterations, 1 if M.size > 1e7 else REPEATS)
        for row in rows:
            row["sec_per_iter"] = speed.get(row["solver"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = 5 if M.size > 1e7 else 20  # iterations of the memory runs
        memory = {"numopt sns": lambda: sinkhorn(a, b, M, reg, warmup=short, max_iter=short + 5,
                                                 switch="warmup"),  # Newton's buffers too
                  "numopt sinkhorn_log": lambda: sinkhorn(a, b, M, reg, method="sinkhorn_log",
                                                          max_iter=short)}
        if ot is not None:
            memory.update({f"POT {m}": (lambda m=m: ot.sinkhorn(a, b, M, reg, method=m,
                                                                numItermax=short)) for m in POT})
        for row in rows:
            if row["solver"] in memory:
                row["peak_MiB"] = peak_memory(memory[row["solver"]])
    for row in rows:
        row.update(problem=case.name, kind=p["kind"], n=p["n"], reg=reg)
    return rows


COLUMNS = ["solver", "nit_1e-08", "time_1e-08", "nit_1e-10", "time_1e-10", "nit_machine",
           "time_machine", "final_error", "status", "sec_per_iter", "peak_MiB"]


def summarize(rows, outdir):
    """Per-case tables, speed-up ratios against each POT method, a convergence figure."""
    import matplotlib.pyplot as plt

    clouds = [r for r in rows if r.get("kind") == "point_cloud"]
    rows = [r for r in rows if r.get("kind") != "point_cloud"]
    parts, figures = [_overview(rows)], []
    if clouds:
        parts.append(_cloud_tables(clouds))
    for problem in dict.fromkeys(r["problem"] for r in rows):
        group = [r for r in rows if r["problem"] == problem]
        parts.append(f"### {problem}\n\n" + markdown_table(group, COLUMNS))
        parts.append(_ratios(group))
        fig, ax = plt.subplots(figsize=(6, 4))
        for r in group:
            if "trace" in r and len(r["trace"][0]):
                ax.semilogy(np.maximum(r["trace"][0], 1e-4), np.maximum(r["trace"][1], 1e-17),
                            label=r["solver"])
        ax.set(xlabel="time (s)", ylabel="marginal error (POT: its own L2 error)",
               title=problem, xscale="log")
        ax.legend(fontsize=7)
        figures.append(save_figure(fig, outdir, f"transport_{len(figures)}.png"))
    return Section(TITLE, "\n\n".join(parts), figures)


CLOUD_COLUMNS = ["solver", "total_nit", "total_time", "cpu_time", "final_error", "status",
                 "sec_per_iter",
                 "coarse_time", "levels", "nfev", "peak_MiB", "maxrss_MiB"]


def _cloud_tables(rows):
    """Point-cloud cases: one table each, and numopt's speed-up over POT's lazy solver."""
    parts = []
    for problem in dict.fromkeys(r["problem"] for r in rows):
        group = {r["solver"]: r for r in rows if r["problem"] == problem}
        text = f"### {problem} (to L1 error {CLOUD_TOL:g})\n\n" + markdown_table(
            list(group.values()), CLOUD_COLUMNS)
        ours = group.get("numopt PointCloud", {})
        theirs = group.get("POT empirical_sinkhorn isLazy", {}).get("total_time")
        if theirs is not None and ours.get("status") == "SUCCESS":
            cpu = group["POT empirical_sinkhorn isLazy"].get("cpu_time")
            text += (f"\n\nnumopt PointCloud vs POT empirical_sinkhorn(isLazy=True): "
                     f"{theirs / ours['total_time']:.3g}x faster (wall clock), "
                     f"{cpu / ours['cpu_time']:.3g}x (CPU time).")
        parts.append(text)
    return "\n\n".join(parts)


def _overview(rows):
    """One line per case: SNS against the fastest POT method to 1e-8 and 1e-10, and the
    per-iteration ratios of the two Sinkhorn forms."""
    lines = []
    for problem in dict.fromkeys(r["problem"] for r in rows):
        by = {r["solver"]: r for r in rows if r["problem"] == problem}
        cells = [problem]
        for key in ("time_1e-08", "time_1e-10"):
            ours = by.get("numopt sns", {}).get(key)
            reached = [(by[f"POT {m}"][key], m) for m in POT
                       if by.get(f"POT {m}", {}).get(key) is not None]
            if ours is None:
                cells.append("SNS not reached")
            elif reached:
                theirs, method = min(reached)
                cells.append(f"{theirs / ours:.3g}x ({method})")
            else:
                longest = max((by.get(f"POT {m}", {}).get("total_time") or 0.0) for m in POT)
                cells.append(f"> {longest / ours:.3g}x (POT: none there)")
        for method in ("sinkhorn_log", "sinkhorn"):
            r = ratio(by.get(f"POT {method}", {}).get("sec_per_iter"),
                      by.get(f"numopt {method}", {}).get("sec_per_iter"))
            cells.append("-" if math.isnan(r) else f"{r:.3g}x")
        lines.append("| " + " | ".join(cells) + " |")
    return ("SNS speed-up over the fastest POT method that reaches the target, and numopt's "
            "per-iteration speed-up (equal iteration counts):\n\n"
            "| case | SNS to 1e-8 | SNS to 1e-10 | sinkhorn_log / iteration "
            "| sinkhorn / iteration |\n|---|---|---|---|---|\n" + "\n".join(lines))


def _ratios(group):
    by = {r["solver"]: r for r in group}
    lines = ["| speed-up | " + " | ".join(f"POT {m}" for m in POT) + " |",
             "|---|" + "---|" * len(POT)]
    for key, label in (("time_1e-08", "SNS to 1e-8"), ("time_1e-10", "SNS to 1e-10"),
                       ("time_machine", "SNS to 1e-13")):
        ours = by.get("numopt sns", {}).get(key)
        cells = [_speedup(by.get(f"POT {m}", {}), key, ours) for m in POT]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for ours, theirs in (("sinkhorn_log", "sinkhorn_log"), ("sinkhorn", "sinkhorn")):
        r = ratio(by.get(f"POT {theirs}", {}).get("sec_per_iter"),
                  by.get(f"numopt {ours}", {}).get("sec_per_iter"))
        if not math.isnan(r):
            lines.append(f"\nPer iteration, numopt {ours} vs POT {theirs}: {r:.3g}x faster.")
    return "\n".join(lines)


def _speedup(pot, key, ours):
    """``POT time / SNS time``; a lower bound when POT stopped (budget) before the target."""
    if ours is None:
        return "SNS not reached"
    if pot.get(key) is not None:
        return f"{pot[key] / ours:.3g}x"
    bound = ratio(pot.get("total_time"), ours)
    if math.isfinite(pot.get("final_error", math.nan)) and bound >= 1:
        return f"> {bound:.3g}x (POT not there in {pot['total_time']:.1f} s)"
    if math.isfinite(pot.get("final_error", math.nan)):
        return f"POT stopped at its cap ({pot['total_nit']} its)"
    return "POT failed"
