"""Pricing every omega of a grid on one system (hindsight regret and the oracle policy)."""

import numpy as np

from ..core.loop import run
from ._kernels import CONVERGED, sor_iterations
from .sor import DIVERGENCE_FACTOR, SOR
from .ssor_cg import SSORCG


def grid_costs(system, x0, omegas, *, solver="sor", symmetric=False, tol=1e-8,
               max_iter=10_000):
    """Iterations each ``omega`` needs on a validated system (the cap when not converged).

    SOR on the numba backend uses the compiled :func:`~numopt.linear._kernels.sor_iterations`
    (the same sweeps and stopping test as :func:`numopt.linear.sor`, so the counts are equal);
    every other case runs the solver itself through the shared loop.

    Returns
    -------
    costs : ndarray of int, shape (len(omegas),)
    capped : ndarray of bool
        True where the omega did not converge within ``max_iter`` (its cost is the cap).
    """
    costs = np.empty(len(omegas), dtype=np.int64)
    capped = np.zeros(len(omegas), dtype=bool)
    compiled = solver == "sor" and system.backend.name == "numba"
    if compiled:
        arrays = (*system.csr(), np.ascontiguousarray(system.diag), system.b)
    for k, omega in enumerate(omegas):
        if compiled:
            x = np.zeros(system.n) if x0 is None else np.array(x0, dtype=float)
            nit, _, code = sor_iterations(*arrays, x, float(omega), symmetric, tol, 0.0,
                                          max_iter, DIVERGENCE_FACTOR)
            converged = code == CONVERGED
        else:
            res = run(make_solver(solver, omega, symmetric, tol, max_iter, "auto"), system, x0)
            nit, converged = res.nit, res.converged
        costs[k] = nit if converged else max_iter
        capped[k] = not converged
    return costs, capped


#: the solvers a tuner can drive, by name
SOLVER_CLASSES = {"sor": SOR, "ssor_cg": SSORCG}


def make_solver(solver, omega, symmetric, tol, max_iter, backend):
    """The :class:`SOR` or :class:`SSORCG` object for one omega."""
    if solver == "ssor_cg":
        return SSORCG(omega=omega, tol=tol, max_iter=max_iter, backend=backend)
    return SOR(omega=omega, symmetric=symmetric, tol=tol, max_iter=max_iter, backend=backend)
