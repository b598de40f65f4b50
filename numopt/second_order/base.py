"""What the four second-order methods share: start state, Hessian fetching, moves, counters.

The methods differ only in their step rule and Hessian refresh policy; the direction
solvers live in :mod:`~numopt.second_order.linalg`, :mod:`~numopt.second_order.cubic` and
:mod:`~numopt.second_order.krylov`.
"""

import math

from ..core.solver import Solver, State
from ..core.status import Status
from ..core.validate import check_int
from .linalg import dense_hessian

MAX_TRIALS = 40  # rejected trials per iteration before INNER_FAILED (super-newton: 40)


class SecondOrderSolver(Solver):
    """Base of ``damped_newton``, ``cubic_newton``, ``grad_reg_newton`` and ``lazy_newton``.

    Keeps ``factorizations`` (Cholesky or eigen-decompositions of a Hessian) in the state,
    the history and the result, next to ``nhev`` (Hessian evaluations).
    """

    requires = ("fun", "grad", "hess")
    backends = ("numpy", "cupy")

    def __init__(self, *, max_trials=MAX_TRIALS, **kwargs):
        super().__init__(**kwargs)
        self.max_trials = check_int("max_trials", max_trials, low=1)

    def start_state(self, problem, x0, **fields):
        """The first State: ``x``, ``fun``, ``grad``, ``grad_norm``, counters, ``fields``."""
        x, backend = self.start(problem, x0)
        g = problem.grad(x)
        return State(x=x, fun=problem.fun(x), grad=g, grad_norm=norm(backend.xp, g), nit=0,
                     backend=backend, factorizations=0, **fields)

    @staticmethod
    def hessian(problem, state):
        """The dense Hessian at ``state.x`` in the state's namespace (counted in ``nhev``)."""
        return dense_hessian(state.backend.xp, problem.hess(state.x))

    @staticmethod
    def nonfinite_hessian(state, H):
        """A stopped State (``NONFINITE``) when ``H`` has NaN or inf entries, else ``None``."""
        xp = state.backend.xp
        if bool(xp.all(xp.isfinite(H))):
            return None
        return state.replace(nit=state.nit + 1, stop=Status.NONFINITE, message=(
            f"The Hessian at iteration {state.nit} has NaN or inf entries."))

    @staticmethod
    def moved(problem, state, x_new, fun_new=None, **fields):
        """The State after an accepted step to ``x_new`` (``STALLED`` if ``x`` did not move)."""
        xp = state.backend.xp
        if bool(xp.all(x_new == state.x)):
            return state.replace(nit=state.nit + 1, stop=Status.STALLED, **fields,
                                 message=f"The step no longer changes x (grad_norm "
                                         f"{state.grad_norm:.2e}).")
        fun_new = problem.fun(x_new) if fun_new is None else fun_new
        g_new = problem.grad(x_new)
        changes = dict(x=x_new, fun=fun_new, grad=g_new, grad_norm=norm(xp, g_new),
                       nit=state.nit + 1)
        changes.update(fields)
        return state.replace(**changes)

    @staticmethod
    def failed(state, message, status=Status.INNER_FAILED, **fields):
        """End the run: ``state`` unchanged except ``nit``, with ``status`` and ``message``."""
        return state.replace(nit=state.nit + 1, stop=status, message=message, **fields)

    def finite(self, state):
        """Objective and gradient norm finite (diagnostic columns such as
        ``min_eigenvalue`` may be NaN where they were not computed)."""
        return math.isfinite(float(state.fun)) and math.isfinite(float(state.grad_norm))

    def record(self, state):
        return dict(super().record(state), factorizations=state.factorizations)

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        res["factorizations"] = int(state.factorizations)
        return res


def norm(xp, v):
    """Euclidean norm as a Python float."""
    return float(xp.linalg.vector_norm(v))
