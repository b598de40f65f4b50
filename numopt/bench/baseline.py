"""Baseline benchmark: numopt ``gd``/``newton`` against ``scipy.optimize.minimize`` (BFGS,
Newton-CG, trust-exact) on the classic library (Moré, Garbow & Hillstrom 1981).

Every solver is judged by the same test, ``||∇f(x)||₂ <= 1e-8`` at the returned point
(evaluated here with the exact gradient, whatever the solver's own stopping rule), and timed
in this process; ratios are numopt time over the fastest SciPy method that succeeded.
"""

import math

import numpy as np

from ..problems.library import FACTORIES, SADDLES
from .common import Case, Section, markdown_table, ratio, save_figure, timed

TITLE = "Baseline: gd / newton vs scipy.optimize.minimize on the Moré–Garbow–Hillstrom set"
PEERS = ("scipy",)
GRAD_TOL = 1e-8
SCIPY_METHODS = ("BFGS", "Newton-CG", "trust-exact")
NUMOPT_METHODS = ("gd", "newton")
QUICK = ("rosenbrock", "freudenstein_roth", "beale", "helical_valley", "box_3d",
         "powell_singular", "wood", "brown_dennis", "biggs_exp6", "watson", "trigonometric",
         "extended_rosenbrock")
GD_MAX_ITER = {True: 1_000, False: 20_000}  # iteration cap of gd and of the SciPy methods
MAX_TIME = 20.0  # seconds per run: a slow method is reported as a failure, not waited for
MIN_TIMING = 0.05  # repeat runs shorter than this (best of REPEATS) to tame timer noise
REPEATS = 3
FIGURE_PROBLEM = "rosenbrock"


def cases(quick):
    """One case per classic function (the saddle functions are left out)."""
    names = QUICK if quick else [n for n in FACTORIES if n not in SADDLES]
    return [Case("baseline", name, {"quick": quick, "figure": name == FIGURE_PROBLEM})
            for name in names]


def _best_time(run):
    value, seconds, _ = timed(run)
    if seconds < MIN_TIMING:
        seconds = min([seconds] + [timed(run)[1] for _ in range(REPEATS - 1)])
    return value, seconds


def _row(problem, solver, x, seconds, nit, calls, curve=None):
    x = np.asarray(x, dtype=float)
    g = problem._oracles["grad"](x)
    grad_norm = float(np.linalg.norm(g))
    fun = float(problem._oracles["fun"](x))
    return {"problem": problem.name, "n": problem.dim, "solver": solver, "time": seconds,
            "nit": int(nit), "calls": int(calls), "grad_norm": grad_norm,
            "fun_gap": fun - problem.f_star,
            "success": bool(np.isfinite(grad_norm) and grad_norm <= GRAD_TOL), "curve": curve}


def _numopt(name, method, quick):
    import numopt as no

    options = {"max_iter": GD_MAX_ITER[quick]} if method == "gd" else {}

    def run():
        problem = FACTORIES[name]()
        return problem, no.minimize(problem, method=method, tol=GRAD_TOL, max_time=MAX_TIME,
                                    **options)

    (problem, res), seconds = _best_time(run)
    calls = res.nfev + res.njev + res.nhev
    return _row(problem, method, res.x, seconds, res.nit, calls,
                curve=res.history["grad_norm"].tolist())


def _scipy_options(method, quick):
    cap = {"maxiter": GD_MAX_ITER[quick]}
    return {"BFGS": {"gtol": GRAD_TOL, "norm": 2, **cap},
            "Newton-CG": {"xtol": 1e-14, **cap},
            "trust-exact": {"gtol": GRAD_TOL, **cap}}[method]


def _scipy(name, method, quick, curve):
    from scipy.optimize import minimize

    problem = FACTORIES[name]()
    fun, grad, hess = (problem._oracles[k] for k in ("fun", "grad", "hess"))
    kwargs = {"jac": grad, "method": method, "options": _scipy_options(method, quick)}
    if method != "BFGS":
        kwargs["hess"] = hess
    with np.errstate(all="ignore"):
        res, seconds = _best_time(lambda: minimize(fun, problem.x0, **kwargs))
        trace = None
        if curve:  # a second, untimed run records ||grad|| per iteration for the figure
            trace = [float(np.linalg.norm(grad(problem.x0)))]
            minimize(fun, problem.x0, callback=lambda xk: trace.append(
                float(np.linalg.norm(grad(xk)))), **kwargs)
    calls = res.get("nfev", 0) + res.get("njev", 0) + res.get("nhev", 0)
    return _row(problem, f"scipy {method}", res.x, seconds, res.get("nit", 0), calls, trace)


def run_case(case):
    """gd and newton, then the three SciPy methods, on one library function."""
    quick, figure = case.params["quick"], case.params["figure"]
    rows = [_numopt(case.name, m, quick) for m in NUMOPT_METHODS]
    rows += [_scipy(case.name, m, quick, figure) for m in SCIPY_METHODS]
    if not figure:
        for row in rows:
            row["curve"] = None
    return rows


def _ratios(rows):
    """One line per problem: the best SciPy method and numopt's time ratios to it."""
    out = []
    for problem in dict.fromkeys(r["problem"] for r in rows):
        mine = {r["solver"]: r for r in rows if r["problem"] == problem}
        scipy_ok = [r for s, r in mine.items() if s.startswith("scipy") and r["success"]]
        best = min(scipy_ok, key=lambda r: r["time"]) if scipy_ok else None
        line = {"problem": problem, "n": next(iter(mine.values()))["n"],
                "best SciPy": best["solver"][6:] if best else "none succeeded",
                "SciPy time": best["time"] if best else None}
        for method in NUMOPT_METHODS:
            r = mine[method]
            line[f"{method} nit"] = r["nit"]
            line[f"{method} ok"] = r["success"]
            line[f"{method}/best"] = ratio(r["time"], best["time"]) if (best and r["success"]) \
                else math.nan
        out.append(line)
    return out


def _geomean(values):
    values = [v for v in values if v == v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def _figure(rows, outdir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for r in rows:
        if r["problem"] == FIGURE_PROBLEM and r["curve"]:
            ax.semilogy(r["curve"], label=r["solver"], marker=".")
    ax.axhline(GRAD_TOL, color="gray", linestyle=":", label="tolerance")
    ax.set(xlabel="iteration", ylabel="‖∇f‖", title=f"{FIGURE_PROBLEM} (MGH #1)")
    ax.set_xlim(0, 200)
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(fig, outdir, "baseline_convergence.png")


def summarize(rows, outdir):
    """Ratio table, full detail table and one convergence figure."""
    lines = _ratios(rows)
    columns = ["problem", "n", "best SciPy", "SciPy time"]
    for method in NUMOPT_METHODS:
        columns += [f"{method} ok", f"{method} nit", f"{method}/best"]
    solved = {s: sum(r["success"] for r in rows if r["solver"] == s)
              for s in dict.fromkeys(r["solver"] for r in rows)}
    summary = ", ".join(f"{s} {k}/{len(lines)}" for s, k in solved.items())
    text = [f"Problems solved to ‖∇f‖₂ ≤ {GRAD_TOL:g}: {summary}.",
            f"Geometric-mean time ratio to the best SciPy method (where both succeed): "
            f"newton {_geomean([r['newton/best'] for r in lines]):.3g}, "
            f"gd {_geomean([r['gd/best'] for r in lines]):.3g}.", "",
            markdown_table(lines, columns), "", "<details><summary>All runs</summary>", "",
            markdown_table(rows, ["problem", "solver", "time", "nit", "calls", "grad_norm",
                                  "fun_gap", "success"]), "", "</details>"]
    figures = [_figure(rows, outdir)] if any(r["curve"] for r in rows) else []
    return Section(TITLE, "\n".join(text), figures)
