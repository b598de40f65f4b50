"""Constrained benchmark (issue 15): numopt's default constrained method against SciPy's
SLSQP and trust-constr and IPOPT (through ``cyipopt``), on an equality set and an
inequality/bounds set, plus the cost of sketching against the direct KKT solve as the PDE
grid grows.

* **Equality set** — the Hock–Schittkowski / Boggs–Tolle / CUTEst problems of
  :func:`numopt.problems.constrained.collection` and constrained logistic regression.
* **Inequality/bounds set** — the Hock–Schittkowski problems of
  :func:`numopt.problems.constrained.inequality_collection`.
* **Solved** means: KKT residual ``<= 1e-6`` at the returned point, measured the same way for
  every solver (:func:`kkt_residual_at`: stationarity, complementarity and violation with the
  best multipliers of the right signs, by non-negative least squares), and the violation of
  every constraint and bound ``<= 1e-6``; "at f*" asks only for feasibility (1e-6) and the
  published optimal value (relative 1e-5), whatever the KKT residual. Every solver gets
  exact derivatives (Hessians for trust-constr and IPOPT; the numopt default picks its
  Hessian itself); all run in one process, one after another, so time ratios are robust to
  machine load.
* **Profiles** — Dolan & Moré (Math. Program. 91, 2002) performance profiles of wall time.
* **PDE** — the control problem of Hong et al. (2023, §6.3) on N x N grids: the direct
  sparse-LU KKT solve (``sketch="exact"``) against the default ``sketch="auto"`` (from 3 000
  KKT rows: PCG on the Schur complement with Pearson & Wathen's matching approximation,
  ``sketch="schur"``), the inexact MINRES solve with a factorized Schur complement
  (``sketch="minres"``) and the paper's Kaczmarz sketch. Times come from one process, one
  solver after another; peak memory (full run only) from one fresh process per solver
  (peak RSS minus that of a process that only built the problem). The N = 64 ... 512 table of
  the issue-15 note: ``print(pde_scaling((64, 128, 256, 512))[1])``.
"""

import math
import subprocess
import sys

import numpy as np
import scipy.optimize as so
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .common import Case, Section, markdown_table, peer, ratio, save_figure, timed

TITLE = ("Constrained: the default (interior_point) and alm_sketch vs SciPy SLSQP / trust-constr "
         "/ IPOPT; sketching vs exact KKT")
PEERS = ("scipy", "cyipopt")
KKT_TOL = 1e-6
QUICK_EQUALITY = ("HS6", "HS7", "HS28", "HS39", "HS40", "HS61", "HS78", "BT2", "BT8")
QUICK_INEQUALITY = ("HS12", "HS15", "HS21", "HS35", "HS43", "HS71", "HS76", "HS100")
PDE_GRIDS = {True: (4, 8), False: (16, 32, 64, 128)}
PDE_SKETCH_ITERATIONS = 3  # outer iterations timed for the sketch (it does not converge)
PDE_SKETCH_MAX_GRID = 64  # the Kaczmarz sketch is timed up to this grid (capped solves beyond)
PDE_SOLVERS = ("auto", "exact", "minres")  # end-to-end alm_sketch inner solvers of the table
DEFAULT = "numopt default"
NUMOPT_VARIANTS = {DEFAULT: {}, "interior_point (bfgs)": {"method": "interior_point",
                                                           "hessian": "bfgs"}}
ALM_VARIANTS = {"alm_sketch (auto)": "auto", "alm_sketch (kaczmarz)": "kaczmarz"}
QUICK_ALM = ("auto",)
ALM_MAX_TIME = 10.0  # seconds per alm_sketch run (the degenerate problems converge slowly)
PEER_SOLVERS = ("SLSQP", "trust-constr", "IPOPT")
MAX_ITER = 3000
SLSQP_MAX_ITER = 1000  # SLSQP cycles on HS7/BT1 with ftol=1e-14: cap its wasted time


def cases(quick):
    """One case per test problem of each set and one per PDE grid."""
    from ..problems.constrained import collection, inequality_collection

    equality = QUICK_EQUALITY if quick else tuple(collection()) + ("LOGISTIC",)
    inequality = QUICK_INEQUALITY if quick else tuple(inequality_collection())
    out = [Case("constrained", name, {"kind": "testset", "set": "equality", "name": name,
                                      "quick": quick}) for name in equality]
    out += [Case("constrained", name, {"kind": "testset", "set": "inequality", "name": name,
                                       "quick": quick}) for name in inequality]
    out += [Case("constrained", f"pde N={N}", {"kind": "pde", "N": N, "memory": not quick})
            for N in PDE_GRIDS[quick]]
    return out


def run_case(case):
    """Run numopt and the peers on one case."""
    if case.params["kind"] == "pde":
        return _pde(case.params["N"], case.params.get("memory", False))
    return _testset(case.params["set"], case.params["name"], case.params["quick"])


# ----------------------------------------------------------------------------- problems
def _problem(test_set, name):
    from ..problems.constrained import collection, constrained_logistic, inequality_collection

    if name == "LOGISTIC":
        return constrained_logistic()
    return (collection() if test_set == "equality" else inequality_collection())[name]()


def _dense(M):
    return M.toarray() if sp.issparse(M) else np.asarray(M, dtype=float)


def _rows(problem, x):
    """Stacked ``c(x)``, ``J(x)``, ``lb``, ``ub`` of all the problem's constraints."""
    n = x.shape[0]
    cons = problem.constraints
    if not cons:
        return np.zeros(0), np.zeros((0, n)), np.zeros(0), np.zeros(0)
    c = np.concatenate([np.atleast_1d(np.asarray(k.fun(x), dtype=float)) for k in cons])
    J = np.vstack([_dense(k.jac(x)).reshape(-1, n) for k in cons])
    lb = np.concatenate([np.broadcast_to(k.lb, np.shape(np.atleast_1d(k.fun(x)))) for k in cons])
    ub = np.concatenate([np.broadcast_to(k.ub, np.shape(np.atleast_1d(k.fun(x)))) for k in cons])
    return c, J, lb, ub


def _box(problem, n):
    box = getattr(problem, "bounds", None)
    if box is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    return np.array(box.lower, dtype=float), np.array(box.upper, dtype=float)


def violation_at(problem, x):
    """2-norm of the violations of all constraints and bounds at ``x``."""
    c, _, lb, ub = _rows(problem, x)
    xl, xu = _box(problem, x.shape[0])
    parts = [np.maximum(0, lb - c), np.maximum(0, c - ub), np.maximum(0, xl - x),
             np.maximum(0, x - xu)]
    return float(np.linalg.norm(np.concatenate(parts)))


def kkt_residual_at(problem, x):
    r"""KKT residual at ``x``: :math:`\|(\nabla f + \sum_i \lambda_i \nabla c_i - z,\;
    \lambda \circ \text{gap},\; \text{violation})\|_2` minimized over the multipliers —
    free for equalities, of the right sign for inequality sides and bounds — by non-negative
    least squares; the complementarity term lets a side with a small gap carry a
    multiplier at a price. The same measure for every solver (numopt's, SciPy's, IPOPT's)."""
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    g = np.asarray(problem.grad(x), dtype=float)
    c, J, lb, ub = _rows(problem, x)
    xl, xu = _box(problem, n)
    eq = lb == ub
    low, up = ~eq & np.isfinite(lb), ~eq & np.isfinite(ub)
    eye = np.eye(n)
    has_l, has_u = np.isfinite(xl), np.isfinite(xu)
    # columns: +/- equality gradients (free), inequality sides and bounds (sign-constrained)
    cols = [J[eq].T, -J[eq].T, -J[low].T, J[up].T, -eye[:, has_l], eye[:, has_u]]
    gaps = [np.zeros(2 * int(eq.sum())), np.maximum(c[low] - lb[low], 0.0),
            np.maximum(ub[up] - c[up], 0.0), np.maximum(x[has_l] - xl[has_l], 0.0),
            np.maximum(xu[has_u] - x[has_u], 0.0)]
    C = np.hstack(cols)
    if C.shape[1]:
        gap = np.concatenate(gaps)
        stacked = np.vstack([C, np.diag(gap)])
        rhs = np.concatenate([-g, np.zeros(gap.shape[0])])
        coef = so.nnls(stacked, rhs, maxiter=50 * C.shape[1])[0]
        error = float(np.linalg.norm(stacked @ coef - rhs))
    else:
        error = float(np.linalg.norm(g))
    return float(math.hypot(error, violation_at(problem, x)))


# ----------------------------------------------------------------------------- peers
def scipy_solve(problem, method):
    """``scipy.optimize.minimize`` with exact derivatives (and Hessians for trust-constr)."""
    n = problem.x0.shape[0]
    xl, xu = _box(problem, n)
    bounds = so.Bounds(xl, xu) if np.any(np.isfinite(xl)) or np.any(np.isfinite(xu)) else None
    if method == "SLSQP":
        cons = []
        for k in problem.constraints:
            cons += _slsqp_dicts(k, problem.x0)
        return so.minimize(problem.fun, problem.x0, jac=problem.grad, method="SLSQP",
                           constraints=cons, bounds=bounds,
                           options={"maxiter": SLSQP_MAX_ITER, "ftol": 1e-14})
    cons = [so.NonlinearConstraint(k.fun, k.lb, k.ub, jac=k.jac,
                                   hess=(lambda x, v, k=k: _dense(k.hess(x, v))))
            for k in problem.constraints]
    return so.minimize(problem.fun, problem.x0, jac=problem.grad, hess=problem.hess,
                       method="trust-constr", constraints=cons, bounds=bounds,
                       options={"maxiter": MAX_ITER, "gtol": 1e-9, "xtol": 1e-14})


def _slsqp_dicts(con, x0):
    m = np.atleast_1d(con.fun(x0)).shape[0]  # fixes m (and the broadcast bounds)
    lb, ub = np.broadcast_to(con.lb, (m,)), np.broadcast_to(con.ub, (m,))
    eq = lb == ub
    out = []
    if np.any(eq):
        out.append({"type": "eq", "fun": lambda x: con.fun(x)[eq] - lb[eq],
                    "jac": lambda x: _dense(con.jac(x))[eq]})
    low = ~eq & np.isfinite(lb)
    if np.any(low):
        out.append({"type": "ineq", "fun": lambda x: con.fun(x)[low] - lb[low],
                    "jac": lambda x: _dense(con.jac(x))[low]})
    up = ~eq & np.isfinite(ub)
    if np.any(up):
        out.append({"type": "ineq", "fun": lambda x: ub[up] - con.fun(x)[up],
                    "jac": lambda x: -_dense(con.jac(x))[up]})
    return out


class _IpoptCallbacks:
    """The callbacks of ``cyipopt.Problem`` (dense Jacobian and lower-triangle Hessian)."""

    def __init__(self, problem):
        self.p = problem
        self.n = problem.x0.shape[0]
        self.cons = problem.constraints
        self.tril = np.tril_indices(self.n)
        self.iterations = 0

    def objective(self, x):
        return self.p.fun(x)

    def gradient(self, x):
        return np.asarray(self.p.grad(x), dtype=float)

    def constraints(self, x):
        return _rows(self.p, x)[0] if self.cons else np.zeros(0)

    def jacobian(self, x):
        return _rows(self.p, x)[1].ravel()

    def jacobianstructure(self):
        m = sum(np.atleast_1d(k.fun(self.p.x0)).shape[0] for k in self.cons)
        return np.unravel_index(np.arange(m * self.n), (m, self.n))

    def hessianstructure(self):
        return self.tril

    def hessian(self, x, lam, obj_factor):
        H = obj_factor * _dense(self.p.hess(x))
        start = 0
        for k in self.cons:
            m = np.atleast_1d(k.fun(x)).shape[0]
            Hk = k.hess(x, lam[start:start + m])
            if Hk is not None:
                H = H + _dense(Hk)
            start += m
        return H[self.tril]

    def intermediate(self, alg_mod, iter_count, *args):
        self.iterations = iter_count
        return True


def ipopt_solve(problem):
    """IPOPT (``cyipopt``) with exact Hessians, ``tol=1e-8``, no output; returns
    ``(x, iterations, message)``."""
    import cyipopt

    n = problem.x0.shape[0]
    callbacks = _IpoptCallbacks(problem)
    c, _, lb, ub = _rows(problem, problem.x0)
    xl, xu = _box(problem, n)
    nlp = cyipopt.Problem(n=n, m=c.shape[0], problem_obj=callbacks, lb=xl, ub=xu, cl=lb, cu=ub)
    for key, value in (("print_level", 0), ("sb", "yes"), ("tol", 1e-8),
                       ("max_iter", MAX_ITER)):
        nlp.add_option(key, value)
    x, info = nlp.solve(problem.x0.copy())
    return x, callbacks.iterations, info["status_msg"].decode() if isinstance(
        info["status_msg"], bytes) else str(info["status_msg"])


# ----------------------------------------------------------------------------- test sets
def _row(test_set, name, solver, problem, x, nit, seconds, message=""):
    f_star = getattr(problem, "f_star", None)
    finite = x is not None and np.all(np.isfinite(x))
    kkt = kkt_residual_at(problem, x) if finite else math.inf
    violation = violation_at(problem, x) if finite else math.inf
    ok = kkt <= KKT_TOL and violation <= KKT_TOL
    at_optimum = finite and violation <= KKT_TOL and (
        ok if f_star is None else abs(problem.fun(x) - f_star) <= 1e-5 * max(1.0, abs(f_star)))
    return {"set": test_set, "problem": name, "solver": solver, "solved": bool(ok),
            "at_f_star": bool(at_optimum), "kkt": kkt, "violation": violation,
            "nit": int(nit), "time": seconds, "message": message}


def _testset(test_set, name, quick):
    import numopt as no

    rows = []
    for label, options in NUMOPT_VARIANTS.items():
        res, seconds, _ = timed(no.minimize, _problem(test_set, name), max_iter=MAX_ITER,
                                **options)
        rows.append(_row(test_set, name, label, _problem(test_set, name), res.x, res.nit,
                         seconds, "" if res.success else res.message[:160]))
    if test_set == "equality":
        for label, sketch in ALM_VARIANTS.items():
            if quick and sketch not in QUICK_ALM:
                continue
            res, seconds, _ = timed(no.minimize, _problem(test_set, name), method="alm_sketch",
                                    sketch=sketch, seed=0, tol=1e-7, max_iter=1000,
                                    max_time=ALM_MAX_TIME)
            rows.append(_row(test_set, name, label, _problem(test_set, name), res.x, res.nit,
                             seconds, "" if res.success else res.message[:160]))
    for method in ("SLSQP", "trust-constr"):
        res, seconds, _ = timed(scipy_solve, _problem(test_set, name), method)
        rows.append(_row(test_set, name, method, _problem(test_set, name), res.x, res.nit,
                         seconds, str(res.message)[:160]))
    if peer("cyipopt") is not None:
        (x, nit, message), seconds, _ = timed(ipopt_solve, _problem(test_set, name))
        rows.append(_row(test_set, name, "IPOPT", _problem(test_set, name), x, nit, seconds,
                         message[:160]))
    return rows


# ----------------------------------------------------------------------------- PDE
def _lu_flops(K):
    lu = spla.splu(sp.csc_matrix(K))
    col_counts = np.diff(sp.csc_matrix(lu.L).indptr)
    row_counts = np.diff(sp.csr_matrix(lu.U).indptr)
    return float(2 * col_counts @ row_counts + 2 * (lu.L.nnz + lu.U.nnz))


def _kaczmarz_flops(steps, nnz, n_rows):
    from ..linear.sketch import MIN_ROW_STEPS

    checks = steps / max(n_rows, MIN_ROW_STEPS)
    return float(4 * nnz / n_rows * steps + 2 * nnz * checks)


# VmHWM (this process image's peak RSS, kB), not ru_maxrss: the latter keeps the peak of
# the forking parent across exec, so a child of a big process would report the parent's
PEAK_RSS_SCRIPT = """
import sys
import numopt as no
N, sketch = int(sys.argv[1]), sys.argv[2]
p = no.problems.constrained.pde_control(N)
if sketch != "none":
    no.minimize(p, method="alm_sketch", sketch=sketch, tol=float(sys.argv[3]))
with open("/proc/self/status") as status:
    print([line.split()[1] for line in status if line.startswith("VmHWM")][0])
"""


def pde_peak_memory(N, sketch, timeout=900):
    """Peak resident memory (bytes) of ``alm_sketch`` with ``sketch`` on the PDE problem of
    grid ``N``, from a fresh process, minus the peak of a process that only built the
    problem (Linux ``VmHWM``); None when the run fails (or off Linux)."""

    def peak(which):
        out = subprocess.run([sys.executable, "-c", PEAK_RSS_SCRIPT, str(N), which,
                              str(KKT_TOL)], capture_output=True, text=True, timeout=timeout)
        try:
            return int(out.stdout.split()[-1]) * 1024 if out.returncode == 0 else None
        except (IndexError, ValueError):
            return None

    base, run = peak("none"), peak(sketch)
    return None if base is None or run is None else max(run - base, 0)


def _megabytes(size):
    return math.nan if size is None else size / 1e6


def _pde(N, memory=False):
    import numopt as no

    from ..constrained._kkt import kkt_matrix

    problem = no.problems.constrained.pde_control(N)
    K = kkt_matrix(problem.hess(problem.x0), problem.eq.jac(problem.x0))
    row = {"problem": f"pde N={N}", "N": N, "size": K.shape[0], "nnz": K.nnz}
    for sketch in PDE_SOLVERS:  # warm-up (first-call costs), then timed one after another
        no.minimize(no.problems.constrained.pde_control(4), method="alm_sketch", sketch=sketch)
    for sketch in PDE_SOLVERS:
        res, seconds, _ = timed(no.minimize, no.problems.constrained.pde_control(N),
                                method="alm_sketch", sketch=sketch, tol=KKT_TOL)
        steps = res.history["sketch_steps"]
        row.update({f"{sketch}_time": seconds, f"{sketch}_kkt": res.kkt_residual,
                    f"{sketch}_nit": res.nit, f"{sketch}_ok": bool(
                        res.success and res.kkt_residual <= KKT_TOL),
                    f"{sketch}_steps": int(steps.sum()) if sketch != "exact" else "direct",
                    f"{sketch}_memory_mb": _megabytes(pde_peak_memory(N, sketch))
                    if memory else math.nan})
    row["auto_ratio"] = ratio(row["exact_time"], row["auto_time"])
    row["minres_ratio"] = ratio(row["minres_time"], row["exact_time"])
    if N <= PDE_SKETCH_MAX_GRID:
        sketch, sketch_seconds, _ = timed(no.minimize, no.problems.constrained.pde_control(N),
                                          method="alm_sketch", sketch="kaczmarz", seed=0,
                                          tol=KKT_TOL, max_iter=PDE_SKETCH_ITERATIONS)
        steps = float(sketch.history["sketch_steps"].sum())
        per_iteration = _kaczmarz_flops(steps, K.nnz, K.shape[0]) / max(sketch.nit, 1)
        lu = _lu_flops(K)
        row.update({"exact_flops": lu, "sketch_kkt": sketch.kkt_residual,
                    "sketch_time_per_iter": sketch_seconds / max(sketch.nit, 1),
                    "sketch_flops_per_iter": per_iteration, "sketch_capped": int(
                        sketch.history["capped"].sum()),
                    "flop_ratio": ratio(per_iteration, lu),
                    "time_ratio": ratio(sketch_seconds / max(sketch.nit, 1),
                                        row["exact_time"])})
    return [row]


PDE_COLUMNS = (["N", "size", "exact_time", "auto_time", "auto_ratio", "auto_nit", "auto_steps",
                "auto_kkt", "exact_nit", "exact_kkt", "minres_time", "minres_ratio",
                "minres_nit", "minres_steps", "minres_kkt", "exact_memory_mb", "auto_memory_mb",
                "minres_memory_mb"],
               ["N", "KKT rows", "exact s", "auto s", "exact/auto", "auto outer",
                "auto inner steps (PCG; 1 = direct)",
                "auto KKT", "exact outer", "exact KKT", "minres s", "minres/exact",
                "minres outer", "MINRES steps", "minres KKT", "exact MB", "auto MB",
                "minres MB"])


def pde_scaling(grids, memory=True):
    """The PDE rows (no Kaczmarz sketch beyond ``PDE_SKETCH_MAX_GRID``) and their Markdown
    table for the given grids: the issue-15 crossover/scaling table."""
    rows = [row for N in grids for row in _pde(N, memory)]
    return rows, markdown_table(rows, *PDE_COLUMNS)


# ----------------------------------------------------------------------------- report
def summary_table(rows, reference=DEFAULT):
    """Per solver: solved and at-f* counts, and the median over problems both solved of the
    time ratio ``reference / solver`` (below 1: the reference is faster)."""
    solvers = list(dict.fromkeys(r["solver"] for r in rows))
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    by = {(r["problem"], r["solver"]): r for r in rows}
    out = []
    for solver in solvers:
        mine = [by[(p, solver)] for p in problems if (p, solver) in by]
        solved = [r for r in mine if r["solved"]]
        ratios = [by[(r["problem"], reference)]["time"] / r["time"] for r in solved
                  if by.get((r["problem"], reference), {}).get("solved") and r["time"] > 0]
        out.append({
            "solver": solver, "solved": f"{len(solved)}/{len(problems)}",
            "at_f_star": sum(r["at_f_star"] for r in mine),
            "median_time": float(np.median([r["time"] for r in solved])) if solved else None,
            "median_ratio": float(np.median(ratios)) if ratios else None,
            "median_nit": float(np.median([r["nit"] for r in solved])) if solved else None})
    return out


def performance_profile(rows, outdir, filename, title):
    """Dolan–Moré performance profile of wall time (unsolved = infinite ratio) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    solvers = list(dict.fromkeys(r["solver"] for r in rows))
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    by = {(r["problem"], r["solver"]): r for r in rows}
    times = np.full((len(problems), len(solvers)), np.inf)
    for i, p in enumerate(problems):
        for j, s in enumerate(solvers):
            r = by.get((p, s))
            if r is not None and r["solved"]:
                times[i, j] = max(r["time"], 1e-6)
    best = np.min(times, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        perf = times / best
    taus = np.logspace(0, 3, 200)
    fig, ax = plt.subplots(figsize=(6, 4))
    for j, s in enumerate(solvers):
        ax.step(taus, [(perf[:, j] <= t).mean() for t in taus], where="post", label=s)
    ax.set_xscale("log")
    ax.set_xlabel("time ratio to the fastest (tau)")
    ax.set_ylabel("fraction solved within tau")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    return save_figure(fig, outdir, filename)


def summarize(rows, outdir):
    """Per set: solved counts, median time ratios, profiles and failures; the PDE table."""
    parts, figures = [], []
    columns = ["solver", "solved", "at_f_star", "median_time", "median_ratio", "median_nit"]
    headers = ["solver", "solved", "at f*", "median s (solved)",
               f"median time ratio {DEFAULT} / solver (both solved)", "median iterations"]
    for test_set in ("equality", "inequality"):
        mine = [r for r in rows if r.get("set") == test_set]
        if not mine:
            continue
        total = len({r["problem"] for r in mine})
        parts += [f"**{test_set.capitalize()} set** ({total} problems; solved = KKT residual "
                  f"and violation <= {KKT_TOL:g} from the standard start):", "",
                  markdown_table(summary_table(mine), columns, headers), ""]
        try:
            figures.append(performance_profile(mine, outdir, f"constrained_{test_set}_profile.png",
                                               f"{test_set} set: time profile"))
        except ImportError:
            pass
        failures = [r for r in mine if not r["solved"]]
        parts += [f"Failures ({test_set} set):", "",
                  markdown_table(failures, ["problem", "solver", "kkt", "violation", "nit",
                                            "message"]) if failures else "none", ""]
    pde_rows = sorted((r for r in rows if "N" in r), key=lambda r: r["N"])
    sketched = [r for r in pde_rows if "sketch_kkt" in r]
    if pde_rows:
        parts += [
            "PDE-constrained control, end to end (`alm_sketch`, tol 1e-6): the default "
            "`sketch=\"auto\"` (from 3 000 KKT rows: range-space PCG with the "
            "Pearson–Wathen matching Schur approximation, `sketch=\"schur\"`) and inexact "
            "MINRES with a factorized Schur complement, against the direct KKT solve; "
            "ratios > 1 for exact/auto mean auto is faster:",
            markdown_table(pde_rows, *PDE_COLUMNS), ""]
    if sketched:
        parts += [
            "PDE-constrained control, direct KKT solve vs Kaczmarz sketch "
            f"({PDE_SKETCH_ITERATIONS} outer iterations timed):",
            markdown_table(sketched, ["N", "size", "nnz", "exact_nit", "exact_kkt",
                                      "exact_time", "exact_flops", "sketch_kkt",
                                      "sketch_capped", "sketch_time_per_iter",
                                      "sketch_flops_per_iter", "flop_ratio", "time_ratio"],
                           ["N", "n+m", "nnz(K)", "exact iters", "exact KKT", "exact s",
                            "LU flops", "sketch KKT", "capped solves", "sketch s/iter",
                            "sketch flops/iter", "flops sketch/exact", "time sketch/exact"]),
        ]
    return Section(TITLE, "\n".join(parts), figures)
