"""General benchmark: the default method (``numopt.minimize`` with no ``method``) and the
named quasi-Newton and second-order methods against SciPy, side by side in one process.

Sections (issue 13):

(a) **gradient only**, the classic library (``numopt.problems.library()``, Moré, Garbow &
    Hillstrom 1981 plus four strict-saddle functions) from the standard starts: the default
    (what ``choose_method`` picks), ``lbfgs`` and ``bfgs``, and the default with a Hessian
    model (``hess="lsr1"``/``"lbfgs"``, which picks ``cubic_newton``) vs SciPy L-BFGS-B,
    BFGS and CG;
(b) **exact Hessians**, the same library: every second-order method at its defaults and the
    default vs ``cubic_newton`` and SciPy trust-exact;
(c) **bounds**: the bound-constrained problems of Hock & Schittkowski (1981), problems 1, 2,
    3, 4, 5, 25, 38, 45, 110 (:mod:`numopt.problems.bounded`): the default vs SciPy
    L-BFGS-B, TNC and trust-constr;
(e) **Hessian-vector products only**, the library: the default (``hessp`` given, no
    ``hess``) and ``cubic_newton`` (Krylov subproblem) vs SciPy trust-krylov and Newton-CG;
(d) the Done-when check: extended Rosenbrock n = 1000, gradient only, without and with
    bounds ``[(-0.5, 2.0)] * 1000``, and with the boxes ``[-2, 0.8]`` and ``[-0.5, 0.5]``
    (500 active bounds at the solution), default vs L-BFGS-B.

Solved means a final (projected) gradient norm ``<= 1e-6`` (2-norm) at a point inside the
bounds, and, on the classic library (sections a and b, where the exact Hessian is known), no
Hessian eigenvalue below ``-1e-3`` there: a saddle is not a solution. Both libraries are
called as a user calls them, with the same raw callables (``numopt.minimize(fun, x0,
jac=grad, ...)`` and ``scipy.optimize.minimize(fun, x0, jac=grad, ...)``). SciPy methods
that take a callback are stopped the first time an iterate passes the test
(``StopIteration``; the gradient there is remembered, not re-evaluated); TNC and
trust-constr run to tight own tolerances and are judged at their final point. Times are the
best of ``REPEATS`` runs of each solver, so load spikes on a shared machine affect both sides
alike. Ratios are time over L-BFGS-B's (sections a, c, d) or over ``cubic_newton``'s (b).
"""

import math
import warnings

import numpy as np

from .common import Case, Section, markdown_table, ratio, timed

TITLE = "General: the default method and quasi-Newton / second-order methods vs SciPy"
PEERS = ("scipy",)
GTOL = 1e-6  # solved: final (projected) gradient 2-norm at most this
SADDLE_TOL = 1e-3  # ... and no Hessian eigenvalue below -sqrt(GTOL) where the Hessian is known
MAX_ITER = 3000  # iteration cap of every solver
REPEATS = 5  # timings are the best of this many runs
DEFAULT = "default"  # row label of numopt.minimize(..., method=None)
GRADIENT_PEERS = ("L-BFGS-B", "BFGS", "CG")
SECOND_ORDER = ("newton", "damped_newton", "cubic_newton", "grad_reg_newton", "lazy_newton")
BOUNDED_PEERS = ("L-BFGS-B", "TNC", "trust-constr")
HESSIAN_MODELS = ("lsr1", "lbfgs")  # hess= with no method: the "Hessian model" cell
QUICK_LIBRARY = ("rosenbrock", "beale", "wood", "watson", "saddle_quartic")
QUICK_BOUNDED = ("HS1", "HS2", "HS45")
ROSENBROCK_N = 1000
#: the Done-when boxes (none, and [-0.5, 2] with an interior solution) and two boxes whose
#: solutions have 500 active bounds (x = 0.8 / 0.5 in the odd coordinates)
ROSENBROCK_BOXES = (None, (-0.5, 2.0), (-2.0, 0.8), (-0.5, 0.5))


def cases(quick):
    """One case per (section, problem)."""
    from ..problems.bounded import HOCK_SCHITTKOWSKI
    from ..problems.library import FACTORIES

    library = QUICK_LIBRARY if quick else tuple(FACTORIES)
    bounded = QUICK_BOUNDED if quick else tuple(HOCK_SCHITTKOWSKI)
    out = [Case("general", name, {"section": "a", "name": name}) for name in library]
    out += [Case("general", name, {"section": "b", "name": name}) for name in library]
    out += [Case("general", name, {"section": "e", "name": name}) for name in library]
    out += [Case("general", name, {"section": "c", "name": name}) for name in bounded]
    out += [Case("general", f"extended rosenbrock n={ROSENBROCK_N}"
                 + ("" if box is None else f" bounds [{box[0]:g}, {box[1]:g}]"),
                 {"section": "d", "box": box}) for box in ROSENBROCK_BOXES]
    return out


class _Oracles:
    """Raw callables of one problem (what a user passes to either library), its start and
    its box."""

    def __init__(self, fun, grad, hess, x0, box, exact_hess=None, hessp=None):
        self.fun, self.grad, self.hess, self.x0, self.box = fun, grad, hess, x0, box
        self.exact_hess = exact_hess  # for the saddle test only (never given to a solver)
        self.hessp = hessp


def _problem(params, hessian=True):
    """Fresh raw oracles for one run."""
    import numopt as no

    section = params["section"]
    if section == "c":
        from ..problems.bounded import bounded_problem

        p = bounded_problem(params["name"])
        return _Oracles(p.oracle("fun"), p.oracle("grad"), p.oracle("hess") if hessian
                        else None, p.x0, p.bounds)
    if section == "d":
        from ..core.bounds import as_bounds

        n = ROSENBROCK_N
        x0 = np.ones(n)
        x0[0::2] = -1.2
        box = None if params["box"] is None else as_bounds([params["box"]] * n, n)
        return _Oracles(rosen, rosen_grad, None, x0, box)
    lib = no.problems.library([params["name"]])[params["name"]]
    return _Oracles(lib.oracle("fun"), lib.oracle("grad"),
                    lib.oracle("hess") if hessian else None, lib.x0, None, lib.oracle("hess"),
                    lib.oracle("hessp") if section == "e" else None)


def rosen(x):
    """Extended Rosenbrock (Moré, Garbow & Hillstrom 1981, problem 21), vectorized: no dense
    Jacobian, so n = 1000 costs microseconds per evaluation."""
    a, b = x[0::2], x[1::2]
    return float(np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2))


def rosen_grad(x):
    """Gradient of :func:`rosen`."""
    a, b = x[0::2], x[1::2]
    g = np.empty_like(x)
    g[0::2] = -400.0 * a * (b - a * a) - 2.0 * (1.0 - a)
    g[1::2] = 200.0 * (b - a * a)
    return g


def _stationarity(oracles, x):
    x = np.asarray(x, dtype=float)
    g = oracles.grad(x)
    if oracles.box is not None:
        if not oracles.box.contains(x, tol=1e-12):
            return math.inf
        g = oracles.box.projected_gradient(x, g)
    return float(np.linalg.norm(g))


def _numopt_run(params, method, model=None):
    """``numopt.minimize`` called as a user would (raw callables, ``method=None`` for the
    default; ``model``: a Hessian model name passed as ``hess=``)."""
    import numopt as no

    o = _problem(params, hessian=params["section"] == "b")
    bounds = None if o.box is None else o.box.to_scipy()
    res, seconds, _ = timed(no.minimize, o.fun, o.x0, jac=o.grad, hess=model or o.hess,
                            hessp=o.hessp, bounds=bounds, method=method, tol=GTOL,
                            max_iter=MAX_ITER)
    return o, res.x, seconds, int(res.nit), res.fun, {"chosen": res.method}


def _memo(grad):
    """``grad`` remembering its last point, so the stopping callback costs no evaluation."""
    last = {}

    def grad_memo(x):
        if "x" in last and np.array_equal(last["x"], x):
            return last["g"]
        last["g"], last["x"] = grad(x), np.array(x)
        return last["g"]

    return grad_memo


def _scipy_run(params, method):
    """``scipy.optimize.minimize`` with the raw callables."""
    from scipy.optimize import minimize

    o = _problem(params, hessian=params["section"] == "b")
    grad = _memo(o.grad)
    kwargs = {"jac": grad, "method": method}
    options = {"maxiter": MAX_ITER}
    if o.box is not None:
        kwargs["bounds"] = o.box.to_scipy()
    if method == "trust-exact":
        kwargs["hess"] = o.hess
        options["gtol"] = GTOL
    elif method in ("trust-krylov", "Newton-CG"):
        kwargs["hessp"] = o.hessp
        options.update({"gtol": GTOL} if method == "trust-krylov" else {"xtol": 1e-16})
    elif method == "L-BFGS-B":
        options.update(gtol=0.0, ftol=0.0, maxfun=20 * MAX_ITER)
    elif method in ("BFGS", "CG"):
        options["gtol"] = 0.1 * GTOL
    elif method == "TNC":
        options.update(gtol=0.1 * GTOL, ftol=0.0, xtol=0.0, maxfun=20 * MAX_ITER)
        options.pop("maxiter")
    elif method == "trust-constr":
        options.update(gtol=0.1 * GTOL, xtol=1e-14)
    counter = {"nit": 0}

    def stop_at_tolerance(intermediate_result):
        counter["nit"] += 1
        x = intermediate_result.x
        g = grad(x)
        if o.box is not None:
            g = o.box.projected_gradient(x, g)
        if float(np.linalg.norm(g)) <= GTOL:
            raise StopIteration

    if method not in ("TNC", "trust-constr"):
        kwargs["callback"] = stop_at_tolerance
    res, seconds, _ = timed(minimize, o.fun, o.x0, options=options, **kwargs)
    nit = counter["nit"] if "callback" in kwargs else int(getattr(res, "nit", 0))
    return o, res.x, seconds, nit, float(res.fun), {}


def _row(params, name, solver, run):
    """Best-of-REPEATS time; solved judged on the first run's final point."""
    best, first = math.inf, None
    for _ in range(REPEATS):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = run()
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as err:  # shown in the
            # per-problem table (some library functions overflow in math.exp far out)
            return {"section": params["section"], "problem": name, "solver": solver,
                    "solved": False, "time": math.nan, "nit": 0, "grad_norm": math.nan,
                    "fun": math.nan, "error": type(err).__name__}
        first = first or out
        best = min(best, out[2])
    oracles, x, _, nit, fun, extra = first
    with np.errstate(all="ignore"):
        grad_norm = _stationarity(oracles, x)
        solved = bool(grad_norm <= GTOL)
        if solved and oracles.exact_hess is not None:  # a saddle is not a solution
            lowest = float(np.linalg.eigvalsh(np.asarray(oracles.exact_hess(x))).min())
            extra = dict(extra, min_eigenvalue=lowest)
            solved = lowest >= -SADDLE_TOL
    return dict({"section": params["section"], "problem": name, "solver": solver,
                 "solved": solved, "time": best if solved else math.nan, "nit": nit,
                 "grad_norm": grad_norm, "fun": float(fun)}, **extra)


def run_case(case):
    """Every solver of the case's section on its problem."""
    params, name = case.params, case.name
    section = params["section"]
    runs = [(DEFAULT, lambda: _numopt_run(params, None))]
    if section == "a":
        runs += [(m, lambda m=m: _numopt_run(params, m)) for m in ("lbfgs", "bfgs")]
        runs += [(f"{DEFAULT} hess={m!r}", lambda m=m: _numopt_run(params, None, m))
                 for m in HESSIAN_MODELS]
        runs += [(f"scipy {m}", lambda m=m: _scipy_run(params, m)) for m in GRADIENT_PEERS]
    elif section == "e":
        runs += [("cubic_newton", lambda: _numopt_run(params, "cubic_newton"))]
        runs += [(f"scipy {m}", lambda m=m: _scipy_run(params, m))
                 for m in ("trust-krylov", "Newton-CG")]
    elif section == "b":
        runs += [(m, lambda m=m: _numopt_run(params, m)) for m in SECOND_ORDER]
        runs += [("scipy trust-exact", lambda: _scipy_run(params, "trust-exact"))]
    elif section == "c":
        runs += [(f"scipy {m}", lambda m=m: _scipy_run(params, m)) for m in BOUNDED_PEERS]
    else:
        runs += [("scipy L-BFGS-B", lambda: _scipy_run(params, "L-BFGS-B"))]
    return [_row(params, name, solver, run) for solver, run in runs]


def _reference(section):
    return {"b": "cubic_newton", "e": "scipy trust-krylov"}.get(section, "scipy L-BFGS-B")


def summary_table(rows, section):
    """Per solver: solved count, solved share of the reference's set, median time ratio to
    the reference over the problems both solved, median iterations."""
    reference = _reference(section)
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    by = {(r["problem"], r["solver"]): r for r in rows}
    ref_set = {p for p in problems if by.get((p, reference), {}).get("solved")}
    out = []
    for solver in dict.fromkeys(r["solver"] for r in rows):
        mine = [by[(p, solver)] for p in problems if (p, solver) in by]
        solved = {r["problem"] for r in mine if r["solved"]}
        ratios = [ratio(by[(p, solver)]["time"], by[(p, reference)]["time"])
                  for p in solved & ref_set]
        out.append({
            "solver": solver, "solved": f"{len(solved)}/{len(problems)}",
            "of_reference": f"{len(solved & ref_set)}/{len(ref_set)}",
            "median_ratio": float(np.median(ratios)) if ratios else math.nan,
            "median_nit": float(np.median([by[(p, solver)]["nit"] for p in solved]))
            if solved else math.nan})
    return out


def _profile(rows, outdir, filename, title):
    from .constrained import performance_profile

    return performance_profile(rows, outdir, filename, title)


def summarize(rows, outdir):
    """Per section: the summary table, a performance profile (PNG) and the per-problem rows."""
    titles = {"a": "(a) classic library, gradient only",
              "b": "(b) classic library, exact Hessians",
              "e": "(e) classic library, Hessian-vector products only",
              "c": "(c) bound-constrained, Hock & Schittkowski (1981) 1, 2, 3, 4, 5, 25, 38, "
                   "45, 110",
              "d": f"(d) extended Rosenbrock n={ROSENBROCK_N}, gradient only"}
    columns = ["solver", "solved", "of_reference", "median_ratio", "median_nit"]
    text = [f"Solved: final (projected) gradient 2-norm <= {GTOL:g} (and, on the classic "
            f"library, smallest Hessian eigenvalue >= -{SADDLE_TOL:g}: saddles do not count); "
            "times are the best of "
            f"{REPEATS} interleaved runs in one process. `median ratio` is time over the "
            "reference's (cubic_newton in (b), SciPy L-BFGS-B elsewhere) on the problems both "
            "solved; `of ref` counts the reference's solved problems this solver solves too. "
            f"`{DEFAULT}` is numopt.minimize with no method (the chosen method is in the "
            "rows)."]
    figures = []
    for section, title in titles.items():
        part = [r for r in rows if r["section"] == section]
        if not part:
            continue
        headers = ["solver", "solved", f"of ref ({_reference(section)})", "median ratio",
                   "median iterations"]
        text += ["", f"### {title}", "", markdown_table(summary_table(part, section), columns,
                                                         headers)]
        if section != "d":
            figures.append(_profile(part, outdir, f"general_profile_{section}.png", title))
        text += ["", "<details><summary>per problem</summary>", "",
                 markdown_table(part, ["problem", "solver", "solved", "time", "nit",
                                       "grad_norm", "fun", "min_eigenvalue", "chosen",
                                       "error"]), "",
                 "</details>"]
    return Section(TITLE, "\n".join(text), figures)
