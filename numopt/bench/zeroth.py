"""Zeroth-order benchmark: data profiles against derivative-free peers, estimator error vs
queries, the Frank–Wolfe primal-gap rate and the parallel speed-up of one estimate.

* **Data profiles** (Moré & Wild, SIAM J. Optim. 20, 2009): the fraction of the classic
  Moré–Garbow–Hillstrom problems solved to ``f <= f* + 1e-3 (|f*| + 1)`` within
  ``100 (n + 1)`` and ``1000 (n + 1)`` function evaluations, counting every evaluation of
  every solver (numopt's line-search probes included) through one recording wrapper;
  peers: SciPy Nelder–Mead, Powell and COBYQA, nevergrad NGOpt, Py-BOBYQA.
* **Estimator error**: ``||g_hat - grad f|| / ||grad f||`` (mean over seeds) vs queries.
* **Frank–Wolfe**: primal gap of ``zo_frank_wolfe`` (RDSA) on l1-ball constrained least
  squares; log-log slope against T (theory: -1/3).
* **Speed-up**: one ``central`` estimate of a function taking 50 ms per call, serial vs a
  dask ``LocalCluster`` with 2 worker processes (and a 2-thread pool).
"""

import functools
import math
import time

import numpy as np

from .common import Case, Section, markdown_table, save_figure

TITLE = "Zeroth order: data profiles, estimator error, Frank–Wolfe rate, parallel speed-up"
PEERS = ("scipy", "nevergrad", "pybobyqa", "dask")
SOLVED_TOL = 1e-3  # f <= f* + 1e-3 (|f*| + 1), issue 8
BUDGETS = (100, 1000)  # evaluations per (n + 1)
MAX_DIM = 12  # the variable-dimension functions run at their defaults up to this size
QUICK_PROBLEMS = ("rosenbrock", "beale", "helical_valley", "powell_singular")
NUMOPT = {  # label -> (method, options)
    "zo_gd (default)": ("zo_gd", {}),  # forward + BFGS, then central differences (issue 13)
    "zo_gd forward bfgs": ("zo_gd", {"estimator": "forward", "metric": "bfgs"}),
    "zo_gd coordinate bfgs": ("zo_gd", {"estimator": "coordinate", "metric": "bfgs"}),
    "zo_gd forward": ("zo_gd", {"estimator": "forward", "metric": "identity"}),
    "zo_gd gaussian": ("zo_gd", {"estimator": "gaussian"}),
    "zo_gd sphere": ("zo_gd", {"estimator": "sphere"}),
    "zo_perturbed": ("zo_perturbed", {}),
    "zo_accelerated": ("zo_accelerated", {}),
}
PEER_SOLVERS = ("Nelder-Mead", "Powell", "COBYQA", "NGOpt", "Py-BOBYQA")
SLOW_PEERS = ("NGOpt", "Py-BOBYQA")  # seconds per problem: full mode only
SLEEP = 0.05  # seconds per call of the "expensive" function
NONSMOOTH_DIM = 10
FW_DIM, FW_SEEDS, FW_RADIUS = 100, 5, 3.0  # the l1 optimum lies on a 5-sparse face


class Stop(Exception):
    """Raised by the recorder to end a run: target reached, or well past the budget."""


class Recorder:
    """Counts evaluations, notes the first one that reaches the target value and then stops
    the solver (only the first hit matters to a data profile)."""

    def __init__(self, fun, target, budget):
        self.fun, self.target, self.budget = fun, target, budget
        self.calls, self.hit = 0, None

    def __call__(self, x):
        self.calls += 1
        if self.calls > 2 * self.budget:
            raise Stop
        value = float(self.fun(np.asarray(x, dtype=float)))
        if value <= self.target:
            self.hit = self.calls
            raise Stop
        return value


def _problems(quick):
    from ..problems.library import FACTORIES, SADDLES

    names = QUICK_PROBLEMS if quick else [n for n in FACTORIES if n not in SADDLES]
    return [(n, {"dim": 10} if n == "extended_rosenbrock" else {}) for n in names]


def cases(quick):
    """A case per library problem, plus the estimator, Frank–Wolfe and speed-up cases."""
    out = [Case("zeroth", name, {"kind": "profile", "quick": quick, **extra})
           for name, extra in _problems(quick)]
    from ..problems.bounded import bounded_library

    out += [Case("zeroth", f"bounded {name}", {"kind": "bounded", "quick": quick})
            for name in bounded_library()]
    out += [Case("zeroth", "estimator error", {"kind": "estimator", "quick": quick}),
            Case("zeroth", "frank-wolfe rate", {"kind": "frank_wolfe", "quick": quick}),
            Case("zeroth", "non-smooth convex", {"kind": "nonsmooth", "quick": quick}),
            Case("zeroth", "speed-up", {"kind": "speedup", "quick": quick})]
    return out


def run_case(case):
    """Dispatch on the case kind."""
    kind = case.params["kind"]
    if kind == "profile":
        return _profile(case.name, case.params)
    if kind == "bounded":
        return _bounded(case.name.split(" ", 1)[1])
    return {"estimator": _estimator_error, "frank_wolfe": _frank_wolfe,
            "nonsmooth": _nonsmooth, "speedup": _speedup}[kind](case.params["quick"])


# --------------------------------------------------------------------------- data profiles
def _profile(name, params):
    from ..problems.library import FACTORIES, extended_rosenbrock

    make = (lambda: extended_rosenbrock(params["dim"])) if "dim" in params else FACTORIES[name]
    problem = make()
    n, f_star = problem.dim, problem.f_star
    budget = BUDGETS[-1] * (n + 1)
    target = f_star + SOLVED_TOL * (abs(f_star) + 1.0)
    fun = problem.oracle("fun")
    rows = []
    peers = [p for p in PEER_SOLVERS if not (params["quick"] and p in SLOW_PEERS)]
    for label in (*NUMOPT, *peers):
        rec = Recorder(fun, target, budget)
        start = time.perf_counter()
        error = None
        try:
            _solve(label, rec, problem.x0, budget)
        except (Stop, ArithmeticError):  # a solver giving up counts as unsolved
            pass
        except Exception as err:  # a peer's own bug: reported in the table, run unsolved
            if label in NUMOPT:
                raise
            error = f"{label} on {problem.name}: {type(err).__name__}: {err}"
        rows.append({"kind": "profile", "problem": problem.name, "n": n, "solver": label,
                     "error": error,
                     "evals to target": rec.hit, "evals": rec.calls,
                     "time": time.perf_counter() - start,
                     **{f"solved {b}(n+1)": rec.hit is not None and rec.hit <= b * (n + 1)
                        for b in BUDGETS}})
    return rows


def _solve(label, fun, x0, budget):
    import warnings

    if label in NUMOPT:
        import numopt as no

        method, options = NUMOPT[label]
        with np.errstate(all="ignore"):
            no.minimize(fun, x0, method=method, tol=1e-10, max_iter=10 * budget,
                        max_fev=budget, seed=0, **options)
        return
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if label in ("Nelder-Mead", "Powell", "COBYQA"):
            from scipy.optimize import minimize

            options = {"maxfev": budget}
            if label == "Nelder-Mead":
                options.update(xatol=1e-10, fatol=1e-14, adaptive=len(x0) > 5)
            minimize(fun, x0, method=label, options=options)
        elif label == "NGOpt":
            import nevergrad as ng

            param = ng.p.Array(init=x0)
            param.random_state = np.random.RandomState(0)
            ng.optimizers.NGOpt(parametrization=param, budget=budget).minimize(fun)
        else:
            import pybobyqa

            pybobyqa.solve(fun, x0, maxfun=budget, seek_global_minimum=False,
                           rhoend=1e-10)


BOUNDED_SOLVERS = ("zo_gd (default)", "Nelder-Mead", "Powell")


def _bounded(name):
    """A Hock–Schittkowski bound-constrained problem (``numopt.problems.bounded``), f only,
    budget 1000(n+1): evaluations to the target and whether any query left the box."""
    import warnings

    from scipy.optimize import minimize

    import numopt as no

    from ..problems.bounded import bounded_library

    problem = bounded_library()[name]
    box, n, f_star = problem.bounds, problem.dim, problem.f_star
    budget = BUDGETS[-1] * (n + 1)
    target = f_star + SOLVED_TOL * (abs(f_star) + 1.0)
    fun = problem.oracle("fun")
    rows = []
    for label in BOUNDED_SOLVERS:
        outside = []

        def watched(x, outside=outside):
            outside.append(not box.contains(np.asarray(x, dtype=float), 1e-12))
            return fun(x)

        rec = Recorder(watched, target, budget)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if label in NUMOPT:
                    no.minimize(rec, problem.x0, method="zo_gd", bounds=box, tol=1e-10,
                                max_fev=budget, max_iter=10 * budget)
                else:
                    minimize(rec, box.project(problem.x0), method=label, bounds=box.to_scipy(),
                             options={"maxfev": budget})
        except (Stop, ArithmeticError):
            pass
        rows.append({"kind": "bounded", "problem": name, "n": n, "solver": label,
                     "evals to target": rec.hit, "queries outside": sum(outside),
                     "solved": rec.hit is not None, "time": time.perf_counter() - start})
    return rows


# --------------------------------------------------------------------------- estimators
def _estimator_error(quick):
    from ..problems.library import extended_rosenbrock
    from ..zeroth import estimate_grad

    problem = extended_rosenbrock(20)
    x = problem.x0 + 0.1
    g = problem.grad(x)
    fun = problem.oracle("fun")
    seeds = range(10 if quick else 50)
    rows = []
    for estimator in ("gaussian", "central", "sphere"):
        for k in (1, 2, 5, 10, 20, 40):
            errors = [np.linalg.norm(estimate_grad(fun, x, estimator, num_dirs=k, rng=s) - g)
                      for s in seeds]
            queries = k + 1 if estimator == "gaussian" else 2 * k
            rows.append({"kind": "estimator", "estimator": estimator, "num_dirs": k,
                         "queries": queries, "relative error": np.mean(errors) / norm(g)})
    for estimator, queries in (("forward", 21), ("coordinate", 40)):
        err = np.linalg.norm(estimate_grad(fun, x, estimator) - g) / norm(g)
        rows.append({"kind": "estimator", "estimator": estimator, "num_dirs": 20,
                     "queries": queries, "relative error": err})
    return rows


def norm(v):
    """Euclidean norm as a float."""
    return float(np.linalg.norm(v))


# --------------------------------------------------------------------------- Frank-Wolfe
def _l1_projection(v, radius):
    """Euclidean projection onto the l1 ball (Duchi et al., ICML 2008, Fig. 1)."""
    if np.abs(v).sum() <= radius:
        return v
    u = np.sort(np.abs(v))[::-1]
    cumulative = np.cumsum(u)
    rho = np.nonzero(u * np.arange(1, v.size + 1) > cumulative - radius)[0][-1]
    theta = (cumulative[rho] - radius) / (rho + 1.0)
    return np.sign(v) * np.maximum(np.abs(v) - theta, 0.0)


def _frank_wolfe(quick):
    """Mean primal gap of zo_frank_wolfe (RDSA) over seeds and its log-log slope per decade."""
    import numopt as no

    rng = np.random.default_rng(0)
    A = rng.standard_normal((2 * FW_DIM, FW_DIM)) / math.sqrt(2 * FW_DIM)
    b = A @ rng.standard_normal(FW_DIM)

    def f(x):
        return 0.5 * float(np.sum((A @ x - b) ** 2))

    step, x = 1.0 / np.linalg.norm(A, 2) ** 2, np.zeros(FW_DIM)
    for _ in range(20_000):  # projected gradient for f*
        x = _l1_projection(x - step * (A.T @ (A @ x - b)), FW_RADIUS)
    f_star = f(x)
    T = 1000 if quick else 10_000
    gaps = [no.minimize(f, np.zeros(FW_DIM), method="zo_frank_wolfe", tol=1e-12, max_iter=T,
                        constraint=no.zeroth.L1Ball(FW_RADIUS), seed=seed).history["fun"] - f_star
            for seed in range(2 if quick else FW_SEEDS)]
    gap = np.mean(gaps, axis=0)
    t = np.arange(1, gap.size + 1)
    rows = []
    for low in (10, 100, 1000):
        window = (t >= low) & (t <= 10 * low)
        if window.sum() > 2 * low:
            sample = np.unique(np.geomspace(low, 10 * low, 30).astype(int))
            slope = float(np.polyfit(np.log(sample), np.log(gap[sample - 1]), 1)[0])
            rows.append({"kind": "frank_wolfe", "T range": f"{low}–{10 * low}", "slope": slope,
                         "gap at start": float(gap[low - 1]),
                         "gap at end": float(gap[10 * low - 1])})
    sample = np.unique(np.geomspace(10, t[-1], 60).astype(int))  # equal weight per decade
    rows[0]["overall slope"] = float(np.polyfit(np.log(sample), np.log(gap[sample - 1]), 1)[0])
    rows[0]["curve"] = gap.tolist()
    return rows


# --------------------------------------------------------------------------- non-smooth
def _nonsmooth_problems():
    """``name -> (f, f*)`` for l1 regression and a max of affine functions (f* by linprog)."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(0)
    d, m = NONSMOOTH_DIM, 3 * NONSMOOTH_DIM
    A = rng.standard_normal((m, d))
    b = A @ rng.standard_normal(d) + 0.1 * rng.standard_normal(m)
    eye, ones = np.eye(m), np.ones(m)
    l1 = linprog(np.r_[np.zeros(d), ones], A_ub=np.block([[A, -eye], [-A, -eye]]),
                 b_ub=np.r_[b, -b], bounds=[(None, None)] * d + [(0, None)] * m)
    worst = linprog(np.r_[np.zeros(d), 1.0], A_ub=np.c_[A, -ones], b_ub=b,
                    bounds=[(None, None)] * (d + 1))
    return {"||Ax - b||_1": (lambda x: float(np.abs(A @ x - b).sum()), l1.fun),
            "max_i a_i'x - b_i": (lambda x: float(np.max(A @ x - b)), worst.fun)}


def _nonsmooth(quick):
    """Best f - f* within 1000(n+1) evaluations on non-smooth convex problems."""
    from scipy.optimize import minimize

    import numopt as no

    budget = BUDGETS[-1] * (NONSMOOTH_DIM + 1) // (5 if quick else 1)
    x0 = np.zeros(NONSMOOTH_DIM)
    rows = []
    for name, (fun, f_star) in _nonsmooth_problems().items():
        runs = {
            **{f"zo_accelerated γ={gamma:g}": functools.partial(
                no.minimize, x0=x0, method="zo_accelerated", seed=0, smoothing=gamma,
                tol=1e-12, max_fev=budget, max_iter=budget) for gamma in (1e-1, 1e-2)},
            "zo_gd sphere": lambda f: no.minimize(f, x0, method="zo_gd", estimator="sphere",
                                                  seed=0, tol=1e-12, max_fev=budget,
                                                  max_iter=budget),
            "Nelder-Mead": lambda f: minimize(f, x0, method="Nelder-Mead", options={
                "maxfev": budget, "xatol": 1e-12, "fatol": 1e-14, "adaptive": True}),
        }
        for label, run in runs.items():
            values = []

            def f(x, fun=fun, values=values):
                values.append(fun(x))
                return values[-1]

            run(f)
            rows.append({"kind": "nonsmooth", "problem": name, "solver": label,
                         "evaluations": len(values),
                         "best f - f*": min(values[:budget]) - f_star})
    return rows


# --------------------------------------------------------------------------- speed-up
def slow_quadratic(x):
    """A 50 ms "simulation": sleeps, then returns ||x - 1||^2 (picklable, module level)."""
    time.sleep(SLEEP)
    return float(np.sum((x - 1.0) ** 2))


def _speedup(quick):
    from concurrent.futures import ThreadPoolExecutor

    from ..zeroth import estimate_grad

    x = np.zeros(8)
    kwargs = dict(estimator="central", num_dirs=4 if quick else 8, rng=0)

    def timed_estimate(executor=None):
        start = time.perf_counter()
        g = estimate_grad(slow_quadratic, x, executor=executor, **kwargs)
        return g, time.perf_counter() - start

    g_serial, serial = timed_estimate()
    with ThreadPoolExecutor(2) as pool:
        g_threads, threads = timed_estimate(pool)
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        executor = client.get_executor()
        timed_estimate(executor)  # warm-up: ships the function once
        g_dask, dask = timed_estimate(executor)
    same = bool(np.array_equal(g_serial, g_dask) and np.array_equal(g_serial, g_threads))
    queries = 2 * kwargs["num_dirs"]
    return [{"kind": "speedup", "executor": name, "queries": queries, "time": seconds,
             "speed-up": serial / seconds, "identical": same}
            for name, seconds in (("serial", serial), ("threads x2", threads),
                                  ("dask LocalCluster x2", dask))]


# --------------------------------------------------------------------------- report
def _profile_table(rows):
    profiles = [r for r in rows if r["kind"] == "profile"]
    count = len({r["problem"] for r in profiles})
    table = []
    for solver in dict.fromkeys(r["solver"] for r in profiles):
        mine = [r for r in profiles if r["solver"] == solver]
        line = {"solver": solver}
        for b in BUDGETS:
            solved = sum(r[f"solved {b}(n+1)"] for r in mine)
            line[f"solved within {b}(n+1)"] = f"{solved}/{count} ({solved / count:.0%})"
        line["time [s]"] = sum(r["time"] for r in mine)
        table.append(line)
    return profiles, table


def _bounded_table(rows):
    bounded = [r for r in rows if r["kind"] == "bounded"]
    count = len({r["problem"] for r in bounded})
    return [{"solver": solver,
             "solved": f"{sum(r['solved'] for r in bounded if r['solver'] == solver)}/{count}",
             "queries outside": sum(r["queries outside"] for r in bounded
                                    if r["solver"] == solver)}
            for solver in dict.fromkeys(r["solver"] for r in bounded)]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _profile_figure(profiles, outdir):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4.0))
    alphas = np.logspace(0, 3, 200)
    count = len({r["problem"] for r in profiles})
    for solver in dict.fromkeys(r["solver"] for r in profiles):
        units = [r["evals to target"] / (r["n"] + 1) for r in profiles
                 if r["solver"] == solver and r["evals to target"] is not None]
        ax.semilogx(alphas, [sum(u <= a for u in units) / count for a in alphas], label=solver,
                    linestyle="-" if solver in NUMOPT else "--")
    ax.set(xlabel="budget in simplex gradients (evaluations / (n + 1))",
           ylabel="fraction of problems solved", title="Data profiles, τ = 1e-3")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, outdir, "zeroth_data_profiles.png")


def _estimator_figure(rows, outdir):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    for estimator in dict.fromkeys(r["estimator"] for r in rows):
        mine = [r for r in rows if r["estimator"] == estimator]
        ax.loglog([r["queries"] for r in mine], [r["relative error"] for r in mine],
                  marker="o", label=estimator)
    ax.set(xlabel="queries per estimate", ylabel="mean ‖ĝ − ∇f‖ / ‖∇f‖",
           title="Estimator error, extended Rosenbrock d = 20")
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(fig, outdir, "zeroth_estimator_error.png")


def _frank_wolfe_figure(row, outdir):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    gap = np.asarray(row["curve"])
    t = np.arange(1, gap.size + 1)
    ax.loglog(t, gap, label=f"zo_frank_wolfe (RDSA), slope {row['overall slope']:.2f}")
    ax.loglog(t, gap[9] * (t / 10.0) ** (-1.0 / 3.0), "k:", label="T^(-1/3)")
    ax.set(xlabel="iteration T", ylabel="f(x_T) − f*",
           title=f"ℓ1-ball least squares, d = {FW_DIM}")
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(fig, outdir, "zeroth_frank_wolfe_gap.png")


def summarize(rows, outdir):
    """Data-profile, estimator, Frank–Wolfe and speed-up tables with three figures."""
    profiles, table = _profile_table(rows)
    estimators = [r for r in rows if r["kind"] == "estimator"]
    fw_rows = [r for r in rows if r["kind"] == "frank_wolfe"]
    fw = fw_rows[0]
    speed = [r for r in rows if r["kind"] == "speedup"]
    detail = {}
    for r in profiles:
        detail.setdefault(r["problem"], {"problem": r["problem"], "n": r["n"]})[r["solver"]] = \
            r["evals to target"]
    solvers = list(dict.fromkeys(r["solver"] for r in profiles))
    best = max((line for line in table if line["solver"] in NUMOPT),
               key=lambda line: int(line[f"solved within {BUDGETS[-1]}(n+1)"].split("/")[0]))
    text = [
        f"Solved: f ≤ f* + {SOLVED_TOL:g}(|f*| + 1); every evaluation counted. Best numopt "
        f"method: **{best['solver']}**. Quick mode leaves out {', '.join(SLOW_PEERS)}.", "",
        markdown_table(table, list(table[0])), "",
        *[f"* peer failure (counted unsolved): {r['error']}" for r in profiles if r["error"]],
        "",
        "<details><summary>Evaluations to the target per problem (— = not within "
        f"{BUDGETS[-1]}(n+1))</summary>", "",
        markdown_table(list(detail.values()), ["problem", "n", *solvers]), "", "</details>", "",
        "Estimator error (mean relative error over seeds) against queries:", "",
        markdown_table(estimators, ["estimator", "num_dirs", "queries", "relative error"]), "",
        f"Frank–Wolfe (RDSA, d = {FW_DIM}) primal gap, mean over seeds: log-log slope "
        f"**{fw['overall slope']:.3f}** over T ≥ 10, log-spaced points (theory: O(T^(-1/3)) "
        "upper bound), by "
        "decade:", "",
        markdown_table(fw_rows, ["T range", "slope", "gap at start", "gap at end"]), "",
        f"Non-smooth convex problems (d = {NONSMOOTH_DIM}, 30 rows), best f − f* within the "
        "budget:", "",
        markdown_table([r for r in rows if r["kind"] == "nonsmooth"],
                       ["problem", "solver", "evaluations", "best f - f*"]), "",
        "Bound-constrained, f only (Hock & Schittkowski 1981 bound problems, "
        "`numopt.problems.bounded`; 1000(n+1) evaluations, same target):", "",
        markdown_table(_bounded_table(rows), ["solver", "solved", "queries outside"]), "",
        f"Speed-up of one `central` estimate ({speed[0]['queries']} queries of a "
        f"{SLEEP * 1e3:.0f} ms function); results identical: {speed[0]['identical']}.", "",
        markdown_table(speed, ["executor", "queries", "time", "speed-up"]),
    ]
    figures = [_profile_figure(profiles, outdir), _estimator_figure(estimators, outdir),
               _frank_wolfe_figure(fw, outdir)]
    return Section(TITLE, "\n".join(text), figures)
