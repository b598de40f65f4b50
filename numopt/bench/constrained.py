"""Equality-constrained benchmark (issue 6): ``alm_sketch`` against SciPy's SLSQP and
trust-constr on the Hock–Schittkowski / Boggs–Tolle / CUTEst set and constrained logistic
regression, and the cost of sketching against the direct KKT solve as the PDE grid grows.

* **Test set** — every problem from its standard start; "solved" means KKT residual
  ``||(grad_x L, c)|| <= 1e-6`` and ``||c|| <= 1e-6`` at the returned point (for SciPy the
  multipliers are the least-squares ones at its ``x``); "at f*" also asks for the published
  optimal value (relative 1e-5). Iterations and seconds side by side, one process.
* **PDE** — the control problem of Hong et al. (2023, §6.3) on N x N grids: the direct
  sparse-LU KKT solve (``sketch="exact"``) against the paper's Kaczmarz sketch, with flop
  estimates (LU: ``sum_k 2 nnz(L[:, k]) nnz(U[k, :])``; Kaczmarz: ``4 nnz(K_i)`` per step
  plus ``2 nnz(K)`` per residual check).
"""

import math

import numpy as np
import scipy.optimize as so
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .common import Case, Section, markdown_table, ratio, timed

TITLE = "Equality-constrained: alm_sketch vs SciPy SLSQP / trust-constr; sketching vs exact KKT"
PEERS = ("scipy",)
KKT_TOL = 1e-6
QUICK_PROBLEMS = ("HS6", "HS7", "HS28", "HS39", "HS40", "HS42", "HS48", "HS52", "HS77", "HS78",
                  "BT2", "BT10")
PDE_GRIDS = {True: (4, 8), False: (8, 16, 32, 64)}
PDE_SKETCH_ITERATIONS = 3  # outer iterations timed for the sketch (it does not converge)
ALM_VARIANTS = {"alm_sketch (auto, the default)": "auto", "alm_sketch (kaczmarz)": "kaczmarz",
                "alm_sketch (gaussian)": "gaussian",
                "alm_sketch (block_kaczmarz)": "block_kaczmarz", "alm_sketch (exact)": "exact"}
QUICK_VARIANTS = ("auto", "kaczmarz")
ALM_MAX_TIME = 20.0  # seconds per alm_sketch run (the degenerate HS problems converge slowly)


def cases(quick):
    """One case per test problem (plus constrained logistic) and one per PDE grid."""
    from ..problems.constrained import collection

    names = QUICK_PROBLEMS if quick else tuple(collection()) + ("LOGISTIC",)
    out = [Case("constrained", name, {"kind": "testset", "name": name, "quick": quick})
           for name in names]
    out += [Case("constrained", f"pde N={N}", {"kind": "pde", "N": N})
            for N in PDE_GRIDS[quick]]
    return out


def run_case(case):
    """Run numopt and the SciPy peers on one case."""
    if case.params["kind"] == "pde":
        return _pde(case.params["N"])
    return _testset(case.params["name"], case.params["quick"])


# ----------------------------------------------------------------------------- helpers
def _problem(name):
    from ..problems.constrained import collection, constrained_logistic

    return constrained_logistic() if name == "LOGISTIC" else collection()[name]()


def kkt_residual_at(problem, x):
    """``||(grad f + J^T lam, c)||`` at ``x`` with least-squares multipliers ``lam``."""
    g, J, c = problem.grad(x), problem.eq.jac(x), problem.eq.fun(x)
    J = J.toarray() if sp.issparse(J) else np.asarray(J)
    lam = np.linalg.lstsq(J.T, -g, rcond=None)[0]
    return float(math.hypot(np.linalg.norm(g + J.T @ lam), np.linalg.norm(c)))


def scipy_solve(problem, method):
    """``scipy.optimize.minimize`` with exact derivatives (and Hessians for trust-constr)."""
    eq = problem.eq
    if method == "SLSQP":
        return so.minimize(problem.fun, problem.x0, jac=problem.grad, method="SLSQP",
                           constraints={"type": "eq", "fun": eq.fun, "jac": eq.jac},
                           options={"maxiter": 1000, "ftol": 1e-14})
    constraint = so.NonlinearConstraint(eq.fun, 0.0, 0.0, jac=eq.jac, hess=eq.hess)
    return so.minimize(problem.fun, problem.x0, jac=problem.grad, hess=problem.hess,
                       method="trust-constr", constraints=[constraint],
                       options={"maxiter": 1000, "gtol": 1e-9, "xtol": 1e-14})


def _row(name, solver, problem, x, nit, seconds, message=""):
    f_star = getattr(problem, "f_star", None)
    kkt = kkt_residual_at(problem, x) if np.all(np.isfinite(x)) else math.inf
    violation = float(np.linalg.norm(problem.eq.fun(x)))
    ok = kkt <= KKT_TOL and violation <= KKT_TOL
    at_optimum = ok and (f_star is None or abs(problem.fun(x) - f_star)
                         <= 1e-5 * max(1.0, abs(f_star)))
    return {"problem": name, "solver": solver, "solved": bool(ok), "at_f_star": bool(at_optimum),
            "kkt": kkt, "violation": violation, "nit": int(nit), "time": seconds,
            "message": message}


def _testset(name, quick):
    import numopt as no

    rows = []
    variants = {k: v for k, v in ALM_VARIANTS.items() if not quick or v in QUICK_VARIANTS}
    for label, sketch in variants.items():
        problem = _problem(name)
        res, seconds, _ = timed(no.minimize, problem, method="alm_sketch", sketch=sketch,
                                seed=0, tol=1e-7, max_iter=1000, max_time=ALM_MAX_TIME)
        rows.append(_row(name, label, _problem(name), res.x, res.nit, seconds,
                         "" if res.success else res.message[:160]))
    for method in ("SLSQP", "trust-constr"):
        problem = _problem(name)
        res, seconds, _ = timed(scipy_solve, problem, method)
        rows.append(_row(name, method, _problem(name), res.x, res.nit, seconds,
                         str(res.message)[:160]))
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


def _pde(N):
    import numopt as no

    from ..constrained._kkt import kkt_matrix

    problem = no.problems.constrained.pde_control(N)
    K = kkt_matrix(problem.hess(problem.x0), problem.eq.jac(problem.x0))
    exact, exact_seconds, _ = timed(no.minimize, problem, method="alm_sketch", sketch="exact",
                                    tol=KKT_TOL)
    problem = no.problems.constrained.pde_control(N)
    sketch, sketch_seconds, _ = timed(no.minimize, problem, method="alm_sketch",
                                      sketch="kaczmarz", seed=0, tol=KKT_TOL,
                                      max_iter=PDE_SKETCH_ITERATIONS)
    steps = float(sketch.history["sketch_steps"].sum())
    per_iteration = _kaczmarz_flops(steps, K.nnz, K.shape[0]) / max(sketch.nit, 1)
    lu = _lu_flops(K)
    return [{"problem": f"pde N={N}", "N": N, "size": K.shape[0], "nnz": K.nnz,
             "exact_nit": exact.nit, "exact_kkt": exact.kkt_residual, "exact_time": exact_seconds,
             "exact_flops": lu, "sketch_nit": sketch.nit, "sketch_kkt": sketch.kkt_residual,
             "sketch_time_per_iter": sketch_seconds / max(sketch.nit, 1),
             "sketch_flops_per_iter": per_iteration, "sketch_capped": int(
                 sketch.history["capped"].sum()),
             "flop_ratio": ratio(per_iteration, lu),
             "time_ratio": ratio(sketch_seconds / max(sketch.nit, 1), exact_seconds)}]


# ----------------------------------------------------------------------------- report
def summarize(rows, outdir):
    """Solved counts per solver, failures of alm_sketch, and the PDE scaling table."""
    test_rows = [r for r in rows if "solver" in r]
    pde_rows = sorted((r for r in rows if "N" in r), key=lambda r: r["N"])
    solvers = list(dict.fromkeys(r["solver"] for r in test_rows))
    total = len({r["problem"] for r in test_rows})
    summary = []
    for solver in solvers:
        mine = [r for r in test_rows if r["solver"] == solver]
        solved = [r for r in mine if r["solved"]]
        summary.append({
            "solver": solver, "solved": f"{len(solved)}/{total}",
            "at_f_star": sum(r["at_f_star"] for r in mine),
            "median_nit": float(np.median([r["nit"] for r in solved])) if solved else None,
            "total_time": sum(r["time"] for r in mine)})
    failures = [r for r in test_rows if r["solver"].startswith("alm") and not r["solved"]]
    parts = [
        f"Solved = KKT residual and violation <= {KKT_TOL:g} from the standard start "
        f"({total} problems).",
        markdown_table(summary, ["solver", "solved", "at_f_star", "median_nit", "total_time"],
                       ["solver", "solved", "at f*", "median iterations (solved)",
                        "total seconds"]),
        "",
        "alm_sketch failures:",
        markdown_table(failures, ["problem", "solver", "kkt", "nit", "message"]) if failures
        else "none",
    ]
    if pde_rows:
        parts += [
            "", "PDE-constrained control, direct KKT solve vs Kaczmarz sketch "
            f"({PDE_SKETCH_ITERATIONS} outer iterations timed):",
            markdown_table(pde_rows, ["N", "size", "nnz", "exact_nit", "exact_kkt",
                                      "exact_time", "exact_flops", "sketch_kkt",
                                      "sketch_capped", "sketch_time_per_iter",
                                      "sketch_flops_per_iter", "flop_ratio", "time_ratio"],
                           ["N", "n+m", "nnz(K)", "exact iters", "exact KKT", "exact s",
                            "LU flops", "sketch KKT", "capped solves", "sketch s/iter",
                            "sketch flops/iter", "flops sketch/exact", "time sketch/exact"]),
        ]
    return Section(TITLE, "\n".join(parts))
