"""Second-order benchmark: damped / cubic / gradient-regularized / lazy Newton against
``scipy.optimize.minimize`` (trust-exact, trust-krylov, Newton-CG, L-BFGS-B).

Sections (issue 3, ALGORITHMS §1): (a) ill-conditioned dense logistic regression
(``make_logistic(2d, d, cond=1e3)``, d = 200, 500, 1000, l2 = 1e-6 .. 1e-3) and scikit-learn's
``breast_cancer``; (b) the Moré–Garbow–Hillstrom library, extended Rosenbrock n = 100 and
Rosenbrock d = 40 from 5 seeded random starts; (c) ``lazy_newton`` with m in {1, 10, d}.
Every solver is timed in this process until ``||∇f||₂ <= 1e-8`` (SciPy methods are stopped
by a callback the first time their iterate passes that test), with Hessian evaluations
counted by the problem's oracles; ratios are time over the fastest SciPy method that reached
the tolerance. Run with one BLAS thread per process for stable timings.
"""

import math

import numpy as np

from .common import Case, Section, markdown_table, ratio, save_figure, timed

TITLE = "Second order: damped / cubic / grad-reg / lazy Newton vs SciPy"
PEERS = ("scipy",)
GRAD_TOL = 1e-8
MAX_ITER = 5000  # numopt and SciPy iteration cap (L-BFGS-B needs thousands here)
COND = 1e3  # condition number of the design matrix A of the logistic problems
NUMOPT = {"damped_newton": {}, "cubic_newton": {}, "grad_reg_newton": {}, "lazy_newton": {}}
CLASSIC = NUMOPT  # damped_newton's defaults (Armijo, hess_shift="auto") are nonconvex-safe
SCIPY = ("trust-exact", "trust-krylov", "Newton-CG", "L-BFGS-B")
SCIPY_SECOND_ORDER = ("trust-exact", "trust-krylov", "Newton-CG")
LOGISTIC = {True: [(200, 1e-4)],
            False: [(d, l2) for d in (200, 500, 1000) for l2 in (1e-6, 1e-4, 1e-3)]}
LAZY_DIMS = {True: [200], False: [200, 1000]}
QUICK_CLASSIC = ("rosenbrock", "beale", "wood", "extended_rosenbrock")
ROSENBROCK_STARTS = 5


def cases(quick):
    """(a) logistic + breast_cancer, (b) classic library, (c) lazy update periods."""
    out = [Case("second_order", f"logistic d={d} l2={l2:g}",
                {"kind": "logistic", "d": d, "l2": l2}) for d, l2 in LOGISTIC[quick]]
    out.append(Case("second_order", "breast_cancer l2=1e-3", {"kind": "dataset"}))
    from ..problems.library import FACTORIES, SADDLES

    names = QUICK_CLASSIC if quick else [n for n in FACTORIES if n not in SADDLES]
    out += [Case("second_order", n, {"kind": "classic", "name": n}) for n in names]
    if not quick:
        out += [Case("second_order", f"rosenbrock d=40 start {s}", {"kind": "rosen40", "seed": s})
                for s in range(ROSENBROCK_STARTS)]
    out += [Case("second_order", f"lazy d={d}", {"kind": "lazy", "d": d}) for d in LAZY_DIMS[quick]]
    return out


def _problem(params):
    from .. import problems

    kind = params["kind"]
    if kind in ("logistic", "lazy"):
        l2 = params.get("l2", 1e-4)
        d = params["d"]
        return problems.make_logistic(2 * d, d, cond=COND, l2=l2, seed=0), np.zeros(d), "a"
    if kind == "dataset":
        p = problems.load_logistic("breast_cancer", l2=1e-3)
        return p, np.zeros(p.dim), "a"
    if kind == "rosen40":
        p = problems.library.extended_rosenbrock(40)
        start = np.random.default_rng(params["seed"]).uniform(-2.0, 2.0, 40)
        return p, start, "b"
    if params["name"] == "extended_rosenbrock":
        p = problems.library.extended_rosenbrock(100)
        return p, p.x0, "b"
    p = problems.library()[params["name"]]
    return p, p.x0, "b"


def _row(case, section, solver, problem, res_x, seconds, nit, reached):
    grad_norm = float(np.linalg.norm(problem._oracles["grad"](np.asarray(res_x))))
    reached = bool(reached and grad_norm <= GRAD_TOL)
    return {"section": section, "problem": case.name, "solver": solver,
            "time": seconds if reached else math.nan, "nit": int(nit),
            "nhev": problem.counts["hess"], "nhpev": problem.counts["hessp"],
            "grad_norm": grad_norm, "reached": reached}


def _numopt(case, method, options):
    import numopt as no

    problem, x0, section = _problem(case.params)
    res, seconds, _ = timed(no.minimize, problem, x0, method=method, tol=GRAD_TOL,
                            max_iter=MAX_ITER, **options)
    label = method + "".join(f" {k}={v}" for k, v in options.items() if k != "hess_shift")
    return _row(case, section, label, problem, res.x, seconds, res.nit, res.success)


def _scipy(case, method):
    from scipy.optimize import minimize

    problem, x0, section = _problem(case.params)
    kwargs = {"jac": problem.grad, "method": method, "options": {
        "trust-exact": {"gtol": GRAD_TOL}, "trust-krylov": {"gtol": GRAD_TOL},
        "Newton-CG": {"xtol": 1e-16}, "L-BFGS-B": {"gtol": 0.0, "ftol": 0.0,
                                                  "maxfun": 10 * MAX_ITER}}[method]}
    kwargs["options"]["maxiter"] = MAX_ITER
    if method == "trust-exact":
        kwargs["hess"] = problem.hess
    elif method != "L-BFGS-B":
        kwargs["hessp"] = problem.hessp
    nit = [0]

    def stop_at_tolerance(intermediate_result):
        nit[0] += 1
        if np.linalg.norm(problem.grad(intermediate_result.x)) <= GRAD_TOL:
            raise StopIteration

    with np.errstate(all="ignore"):
        res, seconds, _ = timed(minimize, problem.fun, x0, callback=stop_at_tolerance, **kwargs)
    return _row(case, section, f"scipy {method}", problem, res.x, seconds, nit[0], True)


def _guarded(case, solver, run):
    """``run()``, or a not-reached row when the solver raises an arithmetic error (some
    library functions overflow in ``math.exp`` far from their start point)."""
    try:
        return run()
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as err:
        return {"section": _problem(case.params)[2], "problem": case.name, "solver": solver,
                "time": math.nan, "nit": 0, "nhev": 0, "nhpev": 0, "grad_norm": math.nan,
                "reached": False, "error": type(err).__name__}


def run_case(case):
    """numopt's methods and the four SciPy methods on one problem (or lazy periods)."""
    kind = case.params["kind"]
    if kind == "lazy":
        d = case.params["d"]
        rows = [_numopt(case, "lazy_newton", {"update_every": m}) for m in (1, 10, d)]
        return [dict(r, section="c") for r in rows + [_numopt(case, "cubic_newton", {})]]
    methods = CLASSIC if kind in ("classic", "rosen40") else NUMOPT
    rows = [_guarded(case, m, lambda m=m, o=o: _numopt(case, m, o)) for m, o in methods.items()]
    return rows + [_guarded(case, f"scipy {m}", lambda m=m: _scipy(case, m)) for m in SCIPY]


def _ratio_rows(rows):
    out = []
    for problem in dict.fromkeys(r["problem"] for r in rows):
        mine = [r for r in rows if r["problem"] == problem]
        peers = [r for r in mine if r["solver"].startswith("scipy") and r["reached"]]
        best = min(peers, key=lambda r: r["time"]) if peers else None
        second = [r for r in peers if r["solver"][6:] in SCIPY_SECOND_ORDER]
        best2 = min(second, key=lambda r: r["time"]) if second else None
        for r in mine:
            out.append(dict(r, best_scipy=best["solver"][6:] if best else "none",
                            ratio=ratio(r["time"], best["time"] if best else None),
                            ratio_2nd=ratio(r["time"], best2["time"] if best2 else None)))
    return out


def _acceptance(rows):
    lines = []
    for problem in [p for p in dict.fromkeys(r["problem"] for r in rows) if "d=1000" in p]:
        mine = {r["solver"]: r for r in rows if r["problem"] == problem and r["section"] == "a"}
        lazy, cubic = mine.get("lazy_newton"), mine.get("cubic_newton")
        if lazy and cubic:
            lines.append(f"- {problem}: lazy_newton {lazy['nhev']} Hessians / {lazy['time']:.3g} s "
                         f"vs cubic_newton {cubic['nhev']} / {cubic['time']:.3g} s "
                         f"(ratio {ratio(lazy['nhev'], cubic['nhev']):.3g} Hessians, "
                         f"{ratio(lazy['time'], cubic['time']):.3g} time).")
    for problem in dict.fromkeys(r["problem"] for r in rows if r["section"] == "a"):
        mine = [r for r in rows if r["problem"] == problem]
        ours = [r for r in mine if not r["solver"].startswith("scipy") and r["reached"]]
        best = min(ours, key=lambda r: r["time"]) if ours else None
        if best is not None:
            lines.append(f"- {problem}: fastest numopt {best['solver']} {best['time']:.3g} s, "
                         f"ratio to best SciPy second-order {best['ratio_2nd']:.3g}.")
    return lines


def _figure(rows, outdir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    section_a = [r for r in rows if r["section"] == "a"]
    problems = list(dict.fromkeys(r["problem"] for r in section_a))
    solvers = list(dict.fromkeys(r["solver"] for r in section_a))
    fig, ax = plt.subplots(figsize=(9.0, 4.0))
    width = 0.8 / len(solvers)
    for k, solver in enumerate(solvers):
        values = [next((r["time"] for r in section_a if r["problem"] == p
                        and r["solver"] == solver), math.nan) for p in problems]
        ax.bar(np.arange(len(problems)) + k * width, values, width, label=solver)
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(problems)) + 0.4, problems, rotation=30, ha="right")
    ax.set(ylabel="seconds to ‖∇f‖ ≤ 1e-8 (missing: not reached)", title="(a) logistic")
    ax.legend(fontsize=7, ncol=3)
    return save_figure(fig, outdir, "second_order_times.png")


def summarize(rows, outdir):
    """Acceptance lines, one table per section, and a time figure for section (a)."""
    rows = _ratio_rows(rows)
    columns = ["problem", "solver", "time", "nit", "nhev", "nhpev", "grad_norm", "reached",
               "ratio", "ratio_2nd"]
    titles = {"a": "(a) logistic regression", "b": "(b) classic library",
              "c": "(c) lazy update period m"}
    text = ["Time to ‖∇f‖₂ ≤ 1e-8 (— = not reached); `ratio` is time over the fastest SciPy "
            "method that reached it, `ratio_2nd` over the fastest SciPy second-order method.",
            "", *_acceptance(rows)]
    for section, title in titles.items():
        part = [r for r in rows if r["section"] == section]
        if part:
            solved = sum(r["reached"] for r in part)
            text += ["", f"### {title}", "", f"{solved}/{len(part)} runs reached the tolerance.",
                     "", markdown_table(part, columns)]
    figures = [_figure(rows, outdir)] if any(r["section"] == "a" for r in rows) else []
    return Section(TITLE, "\n".join(text), figures)
