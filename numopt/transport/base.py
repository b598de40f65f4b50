"""What every entropic-transport solver shares: stopping test, history, callback view and
the final :class:`~numopt.Result` (plan, potentials, cost, fresh marginal error)."""

import math

from scipy.optimize import OptimizeResult

from ..core.linalg import all_finite
from ..core.result import Result
from ..core.solver import Solver
from ..core.status import Status
from ..core.validate import check_int

CHECK_EVERY = 10  # marginal-error check period; a check costs about one iteration (POT: 10)


class TransportSolver(Solver):
    """Base of the transport solvers (``init(problem, (f0, g0))`` on a
    :class:`~numopt.transport.problem.TransportProblem`).

    States carry ``f``, ``g`` (potentials of the reduced problem), ``nit``, ``phase``,
    ``marginal_error`` (latest check) and ``checked`` (whether the error was measured at
    this very state). The run stops when a checked error is ``<= tol``.

    Parameters
    ----------
    check_every : int, default 10
        Iterations between marginal-error checks.
    tol : float, default 1e-9
        Target L1 marginal error ``||P1 - a||_1 + ||P^T 1 - b||_1``.
    max_iter : int, default 100_000
        Cap on iterations (Sinkhorn and Newton together).
    **kwargs
        ``max_time``, ``backend`` (see :class:`numopt.Solver`).
    """

    backends = ("numpy", "numba", "cupy")

    def __init__(self, *, check_every=CHECK_EVERY, tol=1e-9, max_iter=100_000, **kwargs):
        super().__init__(tol=tol, max_iter=max_iter, **kwargs)
        self.check_every = check_int("check_every", check_every, low=1)

    def converged(self, state):
        return bool(state.checked) and state.marginal_error <= self.tol

    def finite(self, state):
        return math.isfinite(state.marginal_error) and all(
            _all_finite(state.backend.xp, v) for v in self.iterate(state))

    def iterate(self, state):
        """The arrays whose finiteness the loop checks every iteration (``f``, ``g``)."""
        return state.f, state.g

    def record(self, state):
        row = {"phase": state.phase}
        if state.checked:
            row["marginal_error"] = float(state.marginal_error)
        return row

    def measure(self, state):
        return float(state.marginal_error)

    def potentials(self, state):
        """``(f, g)`` of the reduced problem at ``state`` (POT convention)."""
        return state.f, state.g

    def intermediate(self, state):
        f, g = self.potentials(state)
        return OptimizeResult(f=f, g=g, nit=state.nit, phase=state.phase,
                              marginal_error=float(state.marginal_error),
                              checked=bool(state.checked))

    def summary(self, problem, state, f, g):
        """``(plan, rows, cols, cost)`` at the final state (:meth:`TransportProblem.summary`;
        the scaling domain overrides it with a cheaper product)."""
        return problem.summary(f, g)

    def extra_fields(self, state):
        """Method-specific fields of the result (override)."""
        return {}

    def result(self, problem, state, status, history, elapsed):
        xp = problem.xp
        f, g = self.potentials(state)
        plan, rows, cols, cost = self.summary(problem, state, f, g)
        counts = problem.counts  # after the summary's passes
        error = problem.marginal_error(rows, cols)
        message = getattr(state, "message", None)
        if not math.isfinite(error):
            status = Status.NONFINITE
        elif error <= self.tol and status in (Status.MAX_ITER, Status.BUDGET, Status.SUCCESS):
            status = Status.SUCCESS
        elif status is Status.SUCCESS:
            status = Status.STALLED
            message = (f"The final marginal error {error:.3e} (relative to the mass) is above "
                       f"tol={self.tol:.1e} when re-evaluated from the final potentials.")
        if status is Status.MAX_ITER:
            message = (f"Marginal error {error:.3e} (relative to the mass) > tol={self.tol:.1e} "
                       f"after {state.nit} iterations" + (
                           "." if self.name == "sns" else
                           "; method='sns' converges in far fewer iterations."))
        mass, reg = problem.mass, problem.reg
        f_full, g_full = problem.restore_potentials(f, g)
        f_kept = f + problem.log_mass  # potentials of the problem as given, kept bins only
        dual = mass * (float(xp.sum(problem.a * f_kept) + xp.sum(problem.b * g))
                       - reg * float(xp.sum(rows)))
        entropic = mass * (float(xp.sum(rows * f_kept) + xp.sum(cols * g))
                           - reg * float(xp.sum(rows)))
        return Result(
            plan=plan, f=f_full, g=g_full, cost=cost, entropic_cost=entropic, fun=dual, mass=mass,
            marginal_error=error * mass, grad_norm=error * mass,  # the dual gradient's norm
            x=xp.concat([f_full, g_full]),
            success=status.success, status=int(status), message=status.describe(message),
            nit=int(state.nit), nfev=int(counts["fun"]), njev=0, nhev=int(counts["hess"]),
            time=elapsed, method=self.name, backend=state.backend.name,
            history=history, **self.extra_fields(state),
        )


def sinkhorn_half_steps(problem, f, g, lse=None):
    """One log-domain Sinkhorn iteration from ``(f, g)``: returns the new ``(f, g)``.

    ``lse`` is the row log-sum-exp of ``g`` when already known (from the last check), which
    saves one pass over ``M``. The old potentials give each log-sum-exp its shift guess:
    ``f = reg (log a - LSE)`` means the last row log-sum-exp was ``log a - f / reg``.
    """
    reg, ops = problem.reg, problem.ops
    if lse is None:
        lse = ops.row_lse(g, shift=reg * problem.log_a - f)
    f_new = reg * (problem.log_a - lse)
    g_new = reg * (problem.log_b - ops.col_lse(f_new, shift=reg * problem.log_b - g))
    return f_new, g_new


def row_check(problem, f, g):
    """``(marginal error, row log-sum-exp of g)`` at ``(f, g)`` after a g half-step.

    After the g half-step the column marginals hold exactly, so the error is the row
    error; the log-sum-exp computed for it is the next f half-step's, so checks are free.
    """
    xp = problem.xp
    lse = problem.ops.row_lse(g, shift=problem.reg * problem.log_a - f)
    rows = xp.exp(f / problem.reg + lse)
    return problem.marginal_error(rows), lse


def full_check(problem, f, g):
    """``(marginal error, row log-sum-exp of g)`` at arbitrary potentials (a warm start):
    rows and columns both measured."""
    xp = problem.xp
    lse = problem.ops.row_lse(g, shift=problem.reg * problem.log_a - f)
    rows = xp.exp(f / problem.reg + lse)
    col_lse = problem.ops.col_lse(f, shift=problem.reg * problem.log_b - g)
    cols = xp.exp(g / problem.reg + col_lse)
    return problem.marginal_error(rows, cols), lse


def _all_finite(xp, x):
    return all_finite(x)  # the shared check (numopt.core.linalg; NumPy fast path first)
