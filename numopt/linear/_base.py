"""What SOR and SSOR-CG share on top of :class:`numopt.Solver`: the absolute-and-relative
residual stop, the history columns, the callback view and the :class:`numopt.Result` they
return."""

from scipy.optimize import OptimizeResult

from ..core.result import Result
from ..core.solver import Solver
from ..core.validate import check_int, check_positive, check_real
from ..errors import InvalidProblemError


class LinearSolver(Solver):
    """Base of the iterative linear solvers.

    A state carries ``nit``, ``residual_norm`` and ``reference`` (``||b||``); the run
    converges when ``residual_norm <= max(tol * ||b||, atol)``, SciPy's test for its sparse
    iterative solvers (``rtol``/``atol``), so a start that already solves the system stops at
    once, and ``tol = atol = 0`` runs the whole budget. Subclasses implement ``init``,
    ``step`` and :meth:`solution`, and set ``omega``.

    Parameters
    ----------
    tol : float, default 1e-8
        Relative tolerance (SciPy's ``rtol``), >= 0.
    atol : float, default 0.0
        Absolute tolerance, >= 0.
    max_iter, max_time, backend
        As in :class:`numopt.Solver`.
    """

    requires = ()

    def __init__(self, *, tol=1e-8, atol=0.0, max_iter=10_000, max_time=None, backend="auto"):
        super().__init__(max_iter=max_iter, max_time=max_time, backend=backend)
        self.tol = check_real("tol", tol, low=0.0)
        self.atol = check_real("atol", atol, low=0.0)
        self.max_iter = check_int("max_iter", max_iter, low=0)
        self.max_time = check_positive("max_time", max_time, allow_none=True)

    def threshold(self, state):
        """The residual norm that counts as converged, ``max(tol * ||b||, atol)``."""
        return max(self.tol * state.reference, self.atol)

    def solution(self, state):
        """The current iterate ``x`` of ``state``."""
        return state.x

    def converged(self, state):
        return state.residual_norm <= self.threshold(state)

    def relative_residual(self, state):
        """``residual_norm / ||b||`` (the residual norm itself when ``b = 0``)."""
        if state.reference == 0.0:
            return float(state.residual_norm)
        return float(state.residual_norm / state.reference)

    def record(self, state):
        return {"residual_norm": float(state.residual_norm),
                "relative_residual": self.relative_residual(state), "omega": self.omega,
                "grad_norm": float(state.residual_norm)}

    def operator_passes(self, state):
        """``nfev`` of a linear solve: sweeps (SOR) or matrix-vector products (CG) done."""
        return int(state.nit) + 1

    def measure(self, state):
        return self.relative_residual(state)

    def budget_spent(self, problem, elapsed):
        return self.max_time is not None and elapsed >= self.max_time

    def intermediate(self, state):
        return OptimizeResult(x=self.solution(state).copy(), nit=state.nit,
                              residual_norm=state.residual_norm,
                              relative_residual=self.relative_residual(state))

    def result(self, problem, state, status, history, elapsed):
        return Result(
            x=self.solution(state), nit=int(state.nit),
            residual_norm=float(state.residual_norm),
            relative_residual=self.relative_residual(state), converged=status.success,
            grad_norm=float(state.residual_norm), nfev=self.operator_passes(state), njev=0,
            nhev=0, success=status.success, status=int(status),
            message=status.describe(getattr(state, "message", None)), omega=self.omega,
            time=elapsed, method=self.name, backend=state.backend.name, history=history,
        )


def resolve_alias(name, value, default, alias, alias_value):
    """``value``, or the same option under its SciPy name ``alias`` when that was given (both
    at once must agree).

    Examples
    --------
    >>> from numopt.linear._base import resolve_alias
    >>> resolve_alias("tol", 1e-8, 1e-8, "rtol", 1e-6)
    1e-06
    """
    if alias_value is None:
        return value
    if value != default and value != alias_value:
        raise InvalidProblemError(
            f"{name}={value!r} and {alias}={alias_value!r} are the same option ({alias} is "
            "SciPy's name for it); pass only one."
        )
    return alias_value


def vector_norm(v):
    """``||v||_2`` as a Python float, in ``v``'s own array namespace (NumPy, CuPy, ...)."""
    from ..backend import namespace_of

    xp = namespace_of(v)
    return float(xp.linalg.vector_norm(v))
