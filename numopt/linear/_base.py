"""What SOR and SSOR-CG share on top of :class:`numopt.Solver`: the relative-residual stop,
the history columns, the callback view and the :class:`numopt.Result` they return."""

from scipy.optimize import OptimizeResult

from ..core.result import Result
from ..core.solver import Solver


class LinearSolver(Solver):
    """Base of the iterative linear solvers.

    A state carries ``nit``, ``residual_norm`` and ``reference`` (the norm the residual is
    measured against: ``||r_0||`` for SOR, ``||b||`` for CG); the run converges when
    ``residual_norm < tol * reference`` (at once when ``reference == 0``). Subclasses
    implement ``init``, ``step`` and :meth:`solution`, and set ``omega``.
    """

    requires = ()

    def solution(self, state):
        """The current iterate ``x`` of ``state``."""
        return state.x

    def converged(self, state):
        return state.reference == 0.0 or state.residual_norm < self.tol * state.reference

    def relative_residual(self, state):
        """``residual_norm / reference`` (0 when the reference is 0)."""
        if state.reference == 0.0:
            return 0.0
        return float(state.residual_norm / state.reference)

    def record(self, state):
        return {"residual_norm": float(state.residual_norm),
                "relative_residual": self.relative_residual(state), "omega": self.omega}

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
            success=status.success, status=int(status),
            message=status.describe(getattr(state, "message", None)), omega=self.omega,
            time=elapsed, method=self.name, backend=state.backend.name, history=history,
        )
