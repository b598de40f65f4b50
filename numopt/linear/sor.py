"""Successive over-relaxation (SOR) and symmetric SOR (SSOR) as a stationary solver."""

import math
from typing import Any

from ..core.loop import run
from ..core.result import Result
from ..core.solver import State
from ..core.status import Status
from ..core.validate import check_choice, check_positive
from ..errors import InvalidProblemError
from ._base import LinearSolver, resolve_alias, vector_norm
from ._sor_engines import NumbaEngine, NumbaRedBlackEngine, RedBlackEngine, ScipyEngine
from ._system import as_system, check_omega

#: a residual this many times the initial one means the iteration diverges. SOR's iteration
#: matrix is non-normal, so transient growth of a few orders of magnitude is normal for
#: omega near 2 (R. S. Varga, *Matrix Iterative Analysis*, 2000); 1e10 is far beyond it.
DIVERGENCE_FACTOR = 1e10

ORDERINGS = ("auto", "natural", "red_black")


class SOR(LinearSolver):
    """SOR / SSOR for ``A x = b``, one sweep per iteration, driven by the shared loop.

    With the splitting ``A = D + L + U`` (diagonal, strictly lower, strictly upper), a forward
    sweep is ``x <- x + M_w^{-1}(b - A x)`` with ``M_w = D/w + L``, i.e. row by row

    .. math:: x_i \\leftarrow (1-\\omega)x_i + \\frac{\\omega}{a_{ii}}
              \\Big(b_i - \\sum_{j<i}a_{ij}x_j^{new} - \\sum_{j>i}a_{ij}x_j\\Big).

    ``symmetric=True`` adds a backward sweep (SSOR). The run stops when
    ``||b - A x_k|| <= max(tol ||b||, atol)`` (SciPy's ``rtol``/``atol`` test; with
    ``x_0 = 0`` it is the ``||r_k|| < tol ||r_0||`` test of Khodak et al. 2024,
    ``solvers/sor.m``), and ``nit`` is the exact number of sweeps of the returned ``x``. A
    start that already solves the system returns at once (``nit = 0``). ``omega = 1`` is
    Gauss–Seidel.

    On the numba backend the residual norm is computed inside the sweep (the residual of
    ``x_k`` comes out of sweep ``k + 1``, :func:`numopt.linear._kernels.sor_sweep_residual`),
    so the stopping test costs no extra pass over ``A``; the price is one sweep computed
    ahead and discarded at the end (``nfev = nit + 1`` sweeps).

    Parameters
    ----------
    omega : float, default 1.0
        Relaxation factor in (0, 2) (Kahan 1958: SOR diverges outside).
    symmetric : bool, default False
        SSOR (forward then backward sweep per iteration).
    ordering : {"auto", "natural", "red_black"}, default "auto"
        ``"natural"`` is lexicographic SOR (CPU); ``"red_black"`` updates the two colours of
        a two-colourable matrix graph in turn (the GPU path; iteration counts differ from
        natural order); with ``backend="numba"`` each colour's rows run on several threads
        when the matrix is large and cores are free (:mod:`numopt.backend.threads`).
        ``"auto"`` is natural on NumPy input and red–black otherwise.
    divergence_factor : float, default 1e10
        Stop with ``Status.DIVERGED`` once
        ``||r_k|| > divergence_factor * max(||r_0||, ||b||)``.
    tol : float, default 1e-8
        Relative tolerance (SciPy's ``rtol``), >= 0; 0 with ``atol=0`` runs ``max_iter``
        sweeps.
    atol : float, default 0.0
        Absolute tolerance on ``||b - A x_k||``.
    max_iter, max_time, backend
        As in :class:`numopt.Solver` (``max_iter=10_000``).

    References
    ----------
    M. Khodak, E. Chow, M.-F. Balcan, A. Talwalkar, "Learning to Relax: Setting Solver
    Parameters Across a Sequence of Linear System Instances", ICLR 2024, arXiv 2310.02246
    (``solvers/sor.m``). D. M. Young, *Iterative Solution of Large Linear Systems*, 1971.

    Examples
    --------
    >>> import numpy as np
    >>> from numopt.core import run
    >>> from numopt.linear import SOR
    >>> from numopt.linear._system import as_system
    >>> system, _ = as_system(np.array([[4.0, -1.0], [-1.0, 4.0]]), np.ones(2), None,
    ...                       backend="auto", method="sor", supported=SOR.backends)
    >>> res = run(SOR(omega=1.1), system, None)
    >>> bool(res.converged), np.round(res.x, 6)
    (True, array([0.333333, 0.333333]))
    """

    name = "sor"
    backends = ("numpy", "numba", "cupy")

    def __init__(self, *, omega=1.0, symmetric=False, ordering="auto",
                 divergence_factor=DIVERGENCE_FACTOR, tol=1e-8, atol=0.0, max_iter=10_000,
                 max_time=None, backend="auto"):
        super().__init__(tol=tol, atol=atol, max_iter=max_iter, max_time=max_time,
                         backend=backend)
        self.omega = check_omega(omega)
        if not isinstance(symmetric, bool):
            raise InvalidProblemError(f"symmetric must be True or False, got {symmetric!r}.")
        self.symmetric = symmetric
        self.ordering = check_choice("ordering", ordering, ORDERINGS)
        self.divergence_factor = check_positive("divergence_factor", divergence_factor)

    def engine(self, system):
        """The sweep implementation for this system's backend and the ordering."""
        cpu = system.backend.name in ("numpy", "numba")
        ordering = self.ordering if self.ordering != "auto" else (
            "natural" if cpu else "red_black")
        if ordering == "red_black":
            if system.backend.name == "numba":  # compiled, multi-threaded when it pays
                return NumbaRedBlackEngine(system, self.omega, self.symmetric)
            return RedBlackEngine(system, self.omega, self.symmetric)
        if not cpu:
            raise InvalidProblemError(
                f"ordering='natural' is sequential and runs on the CPU only, but the inputs "
                f"are {system.backend.name} arrays; use ordering='red_black' (or 'auto') or "
                "pass NumPy / SciPy arrays."
            )
        engine = NumbaEngine if system.backend.name == "numba" else ScipyEngine
        return engine(system, self.omega, self.symmetric)

    def init(self, system, x0):
        engine = self.engine(system)
        carry, r0 = engine.start(x0)
        bnorm = vector_norm(system.b)
        return State(carry=carry, engine=engine, nit=0, residual_norm=r0, reference=bnorm,
                     initial=max(r0, bnorm), backend=system.backend)

    def step(self, system, state):
        carry, r = state.engine.sweep(state.carry)
        new = state.replace(carry=carry, nit=state.nit + 1, residual_norm=r)
        if math.isfinite(r) and r > self.divergence_factor * state.initial:
            return new.replace(stop=Status.DIVERGED, message=(
                f"The residual grew to {r:.3g} ({r / state.initial:.3g} x the "
                f"initial one) at sweep {new.nit}: SOR diverges for this A and omega="
                f"{self.omega}. SOR converges for symmetric positive definite A with omega "
                "in (0, 2); check that A is SPD or diagonally dominant, or lower omega."))
        return new

    def solution(self, state):
        return state.engine.solution(state.carry)

    def operator_passes(self, state):
        return int(state.nit) + state.engine.ahead


def sor(A: Any, b: Any, omega: float = 1.0, x0: Any = None, tol: float = 1e-8,
        max_iter: int = 10_000, symmetric: bool = False, backend: str = "auto", *,
        atol: float = 0.0, rtol: float | None = None, maxiter: int | None = None,
        ordering: str = "auto",
        divergence_factor: float = DIVERGENCE_FACTOR, max_time: float | None = None,
        callback: Any = None, progress: bool = False) -> Result:
    """Solve ``A x = b`` by SOR (``symmetric=True``: SSOR) and return a :class:`numopt.Result`.

    See :class:`SOR` for the iteration, the stopping test and the options.

    Parameters
    ----------
    A : scipy.sparse matrix or array_like, shape (n, n)
        Square matrix with a positive diagonal (SOR converges for every omega in (0, 2)
        when A is symmetric positive definite). CuPy / array-API input runs red–black SOR.
    b : array_like, shape (n,)
    omega : float, default 1.0
        Relaxation factor in (0, 2); 1 is Gauss–Seidel.
    x0 : array_like, shape (n,), optional
        Start (zeros by default).
    tol : float, default 1e-8
        Relative tolerance: stop when ``||b - A x_k|| <= max(tol ||b||, atol)`` (SciPy's
        test); 0 (with ``atol=0``) runs all ``max_iter`` sweeps.
    max_iter : int, default 10_000
        Sweep cap (``Status.MAX_ITER``).
    symmetric : bool, default False
        SSOR.
    backend : {"auto", "numpy", "numba", "cupy"}
        ``auto`` runs the numba kernel on NumPy/SciPy input.
    atol : float, default 0.0
        Absolute tolerance on the residual norm.
    rtol, maxiter : optional
        SciPy's names for ``tol`` and ``max_iter`` (give one of each pair).
    ordering, divergence_factor, max_time
        See :class:`SOR`.
    callback : callable, optional
        ``callback(intermediate)`` after every sweep; ``True`` stops the run.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Result
        ``x``, ``nit`` (exact sweeps), ``residual_norm`` (= ``grad_norm``, the stationarity
        measure of a linear system), ``relative_residual`` (``/ ||b||``), ``nfev`` (sweeps
        done), ``njev = nhev = 0``, ``converged`` (= ``success``), ``status``, ``message``,
        ``omega`` and ``history`` (``iter``, ``time``, ``residual_norm``, ``grad_norm``,
        ``relative_residual``, ``omega``).

    Raises
    ------
    InvalidProblemError
        Non-square ``A``, shape mismatch, complex entries, NaN/inf, zero or negative
        diagonal, omega outside (0, 2), a negative tolerance.

    Examples
    --------
    Young's textbook system (a 2 x 2 grid Laplacian, exact solution ``(1, 1, 1, 1)/2``):

    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.array([[4., -1, -1, 0], [-1, 4, 0, -1], [-1, 0, 4, -1], [0, -1, -1, 4]])
    >>> res = no.linear.sor(A, np.ones(4), omega=1.07)
    >>> bool(res.converged), res.nit, np.round(res.x, 8)
    (True, 10, array([0.5, 0.5, 0.5, 0.5]))

    A start that already solves the system stops at once:

    >>> no.linear.sor(A, np.ones(4), x0=res.x).nit
    0
    """
    solver = SOR(omega=omega, symmetric=symmetric, ordering=ordering,
                 divergence_factor=divergence_factor,
                 tol=resolve_alias("tol", tol, 1e-8, "rtol", rtol), atol=atol,
                 max_iter=resolve_alias("max_iter", max_iter, 10_000, "maxiter", maxiter),
                 max_time=max_time, backend=backend)
    system, x0 = as_system(A, b, x0, backend=backend, method="sor", supported=SOR.backends)
    return run(solver, system, x0, callback=callback, progress=progress)
