"""Conjugate gradients preconditioned by symmetric SOR (SSOR-PCG)."""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve_triangular

from ..core.loop import run
from ..core.solver import State
from ..core.status import Status
from ._base import LinearSolver, resolve_alias
from ._kernels import csr_matvec, ssor_apply
from ._system import as_system, check_omega


class SSORCG(LinearSolver):
    """Preconditioned CG for symmetric positive definite ``A`` with the SSOR preconditioner

    .. math:: M_\\omega = \\frac{(D + \\omega L)^T D^{-1} (D + \\omega L)}{\\omega(2-\\omega)},

    in the factor order of the authors' ``ssor_pcg.m`` (Khodak et al. 2024); ``L`` is the
    strict lower triangle. One CG iteration per step: ``q = A p``, ``alpha = r^T z / p^T q``,
    ``x += alpha p``, ``r -= alpha q``, ``z = M^{-1} r``, ``p = z + beta p``. Stops when
    ``||r_k|| <= max(tol ||b||, atol)`` (MATLAB ``pcg``'s relative residual, SciPy's
    ``rtol``/``atol``), so a warm start ``x0`` close to the solution needs fewer iterations.

    Parameters
    ----------
    omega : float, default 1.0
        SSOR relaxation factor in (0, 2) (``omega = 1``: symmetric Gauss–Seidel).
    tol : float, default 1e-8
        Relative tolerance (SciPy's ``rtol``), >= 0.
    atol : float, default 0.0
        Absolute tolerance on ``||r_k||``.
    max_iter, max_time, backend
        As in :class:`numopt.Solver` (``max_iter=10_000``); backends
        ``"numba"`` (compiled triangular solves) and ``"numpy"`` (SciPy's).

    References
    ----------
    Khodak, Chow, Balcan, Talwalkar, ICLR 2024, arXiv 2310.02246 (``solvers/ssor_pcg.m``,
    SSOR-preconditioned CG); Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed.
    2003 (preconditioned CG; SSOR preconditioning).

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.array([[4.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 4.0]])
    >>> res = no.linear.ssor_cg(A, np.ones(3), omega=1.2)
    >>> bool(res.converged), res.nit <= 3, np.allclose(A @ res.x, 1.0)
    (True, True, True)
    """

    name = "ssor_cg"
    backends = ("numpy", "numba")

    def __init__(self, *, omega=1.0, tol=1e-8, atol=0.0, max_iter=10_000, max_time=None,
                 backend="auto"):
        super().__init__(tol=tol, atol=atol, max_iter=max_iter, max_time=max_time,
                         backend=backend)
        self.omega = check_omega(omega)

    def preconditioner(self, system):
        """``r -> M_omega^{-1} r`` for this system's backend."""
        omega, diag = self.omega, np.ascontiguousarray(system.diag)
        if system.backend.name == "numba":
            indptr, indices, data = system.csr()

            def apply(r):
                out = np.empty_like(r)
                ssor_apply(indptr, indices, data, diag, r, omega, out)
                return out

            return apply
        matrix = system.matrix
        upper = (omega * sp.triu(matrix, k=1) + sp.diags_array(diag)).tocsr()
        lower = (omega * sp.tril(matrix, k=-1) + sp.diags_array(diag)).tocsr()

        def apply(r):
            y = diag * spsolve_triangular(upper, r, lower=False)
            return omega * (2.0 - omega) * spsolve_triangular(lower, y, lower=True)

        return apply

    def init(self, system, x0):
        matvec = self._matvec(system)
        rhs_norm = float(np.linalg.norm(system.b))
        x = np.zeros(system.n) if x0 is None or rhs_norm == 0.0 else np.array(x0, dtype=float)
        r = system.b - matvec(x)
        precondition = self.preconditioner(system)
        z = precondition(r)
        return State(x=x, r=r, p=z, rz=float(r @ z), nit=0, residual_norm=float(np.linalg.norm(r)),
                     reference=rhs_norm, matvec=matvec, precondition=precondition,
                     backend=system.backend)

    def step(self, system, state):
        q = state.matvec(state.p)
        curvature = float(state.p @ q)
        if not curvature > 0.0:
            return state.replace(nit=state.nit + 1, stop=Status.DIVERGED, message=(
                f"p^T A p = {curvature:.3g} <= 0 at iteration {state.nit + 1}: A is not "
                "positive definite (or the preconditioned iteration broke down); SSOR-CG "
                "needs symmetric positive definite A — use numopt.linear.sor otherwise."))
        alpha = state.rz / curvature
        x = state.x + alpha * state.p
        r = state.r - alpha * q
        z = state.precondition(r)
        rz = float(r @ z)
        p = z + (rz / state.rz) * state.p
        return state.replace(x=x, r=r, p=p, rz=rz, nit=state.nit + 1,
                             residual_norm=float(np.linalg.norm(r)))

    @staticmethod
    def _matvec(system):
        if system.backend.name == "numba":
            indptr, indices, data = system.csr()

            def matvec(v):
                out = np.empty_like(v)
                csr_matvec(indptr, indices, data, v, out)
                return out

            return matvec
        return lambda v: system.matrix @ v


def ssor_cg(A, b, omega=1.0, x0=None, tol=1e-8, max_iter=10_000, backend="auto", *,
            atol=0.0, rtol=None, maxiter=None, max_time=None, callback=None, progress=False):
    """Solve symmetric positive definite ``A x = b`` by SSOR-preconditioned CG.

    See :class:`SSORCG` for the preconditioner and the stopping test.

    Parameters
    ----------
    A : scipy.sparse matrix or array_like, shape (n, n)
        Symmetric positive definite.
    b : array_like, shape (n,)
    omega : float, default 1.0
        SSOR relaxation factor in (0, 2).
    x0 : array_like, shape (n,), optional
        Warm start (e.g. the previous time step's solution); zeros by default.
    tol : float, default 1e-8
        Stop when ``||b - A x_k|| <= max(tol ||b||, atol)``.
    max_iter : int, default 10_000
    backend : {"auto", "numpy", "numba"}
    atol, rtol, maxiter, max_time, callback, progress
        As for :func:`numopt.linear.sor` (``rtol``, ``maxiter``: SciPy's names).

    Returns
    -------
    Result
        ``x``, ``nit``, ``residual_norm`` (recursively updated residual; = ``grad_norm``),
        ``relative_residual``, ``nfev`` (products with ``A``), ``njev = nhev = 0``,
        ``converged``/``success``, ``status``, ``message``, ``omega``, ``history``.

    Raises
    ------
    InvalidProblemError
        As for :func:`numopt.linear.sor`, and for an unsymmetric ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = 4 * np.eye(3) - np.eye(3, k=1) - np.eye(3, k=-1)
    >>> cold = no.linear.ssor_cg(A, np.ones(3), omega=1.1)
    >>> warm = no.linear.ssor_cg(A, np.ones(3), omega=1.1, x0=cold.x)
    >>> warm.nit
    0
    """
    solver = SSORCG(omega=omega, tol=resolve_alias("tol", tol, 1e-8, "rtol", rtol), atol=atol,
                    max_iter=resolve_alias("max_iter", max_iter, 10_000, "maxiter", maxiter),
                    max_time=max_time, backend=backend)
    system, x0 = as_system(A, b, x0, backend=backend, method="ssor_cg",
                           supported=SSORCG.backends, symmetric=True)
    return run(solver, system, x0, callback=callback, progress=progress)
