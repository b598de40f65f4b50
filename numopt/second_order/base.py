"""What the four second-order methods share: start state, Hessian fetching, moves, counters.

The methods differ only in their step rule and Hessian refresh policy; the direction
solvers live in :mod:`~numopt.second_order.linalg`, :mod:`~numopt.second_order.cubic` and
:mod:`~numopt.second_order.krylov`.
"""

import math

import numpy as np

from ..core.linalg import all_finite
from ..core.solver import Solver, State
from ..core.status import Status
from ..core.validate import check_int, check_positive
from ..errors import InvalidProblemError
from .hessian_models import DEFAULT_MEMORY, KINDS, hessian_model, is_model_spec
from .linalg import EigenModel, cholesky, dense_hessian

MAX_TRIALS = 40  # rejected trials per iteration before INNER_FAILED (super-newton: 40)


class SecondOrderSolver(Solver):
    """Base of ``damped_newton``, ``cubic_newton``, ``grad_reg_newton`` and ``lazy_newton``.

    Keeps ``factorizations`` (Cholesky or eigen-decompositions of a Hessian) in the state,
    the history and the result, next to ``nhev`` (Hessian evaluations).
    """

    requires = ("fun", "grad", "hess")
    backends = ("numpy", "cupy")
    #: stop with ``Status.SADDLE`` at a first-order point with negative curvature (methods
    #: that cannot move away from one); ``cubic_newton`` and ``lazy_newton`` escape instead
    detects_saddles = False

    def __init__(self, *, max_trials=MAX_TRIALS, hess=None, memory=DEFAULT_MEMORY,
                 curvature_tol=None, **kwargs):
        super().__init__(**kwargs)
        self.max_trials = check_int("max_trials", max_trials, low=1)
        self.hess = check_hess(hess)
        self.memory = check_int("memory", memory, low=1)
        self.curvature_tol = check_positive(
            "curvature_tol", math.sqrt(self.tol) if curvature_tol is None else curvature_tol)
        if self.hess is not None:  # the Hessian comes from the option, not the problem
            self.requires = ("fun", "grad")
            self.backends = ("numpy",)

    def start_state(self, problem, x0, **fields):
        """The first State: ``x``, ``fun``, ``grad``, ``grad_norm``, counters, ``fields``, and
        ``curvature`` (the Hessian model of ``hess=``, or None for the problem's Hessian)."""
        x, backend = self.start(problem, x0)
        g = problem.grad(x)
        curvature = None
        if self.hess is not None:
            curvature = curvature_source(self.hess, problem, x.shape[0], self.memory)
            curvature.observe(x, g)
        return State(x=x, fun=problem.fun(x), grad=g, grad_norm=norm(backend.xp, g), nit=0,
                     backend=backend, factorizations=0, curvature=curvature, **fields)

    def hessian(self, problem, state):
        """The dense Hessian (or its model) at ``state.x`` in the state's namespace (an
        exact Hessian is counted in ``nhev``)."""
        if state.curvature is not None:
            return state.backend.xp.asarray(state.curvature.dense())
        return dense_hessian(state.backend.xp, problem.hess(state.x))

    def eigen_model(self, problem, state):
        """A spectral model of the Hessian at ``state.x``: :class:`EigenModel` of the dense
        matrix, or the model's own (closed-form on a small space for ``"lbfgs"``/``"lsr1"``)."""
        if state.curvature is not None:
            return state.curvature.eigen()
        return EigenModel(state.backend.xp, self.hessian(problem, state))

    def check_saddle(self, problem, state):
        """With ``detects_saddles``: at a first-order point (``grad_norm <= tol``) whose
        Hessian has an eigenvalue below ``-curvature_tol``, stop with ``Status.SADDLE``."""
        if (not self.detects_saddles or getattr(state, "stop", None) is not None
                or state.grad_norm > self.tol):
            return state
        if state.curvature is None:
            H = self.hessian(problem, state)
            bad = self.nonfinite_hessian(state, H)
            if bad is not None:
                return bad.replace(nit=state.nit, stop=bad.stop, message=bad.message)
            state = state.replace(factorizations=state.factorizations + 1)
            if cholesky(state.backend.xp, H, self.curvature_tol) is not None:
                return state  # H + curvature_tol I is positive definite: no saddle
            lowest = EigenModel(state.backend.xp, H).min_eigenvalue
        else:
            lowest = state.curvature.eigen().min_eigenvalue
        if lowest >= -self.curvature_tol:
            return state
        return state.replace(stop=Status.SADDLE, message=(
            f"The gradient norm is {state.grad_norm:.2e} but the smallest Hessian eigenvalue "
            f"is {lowest:.3g}."))

    @staticmethod
    def nonfinite_hessian(state, H):
        """A stopped State (``NONFINITE``) when ``H`` has NaN or inf entries, else ``None``."""
        if all_finite(H):  # dense or sparse, any namespace (numopt.core.linalg)
            return None
        return state.replace(nit=state.nit + 1, stop=Status.NONFINITE, message=(
            f"The Hessian at iteration {state.nit} has NaN or inf entries."))

    def moved(self, problem, state, x_new, fun_new=None, **fields):
        """The State after an accepted step to ``x_new`` (``STALLED`` if ``x`` did not move);
        feeds the pair to the Hessian model and checks for a saddle."""
        xp = state.backend.xp
        if bool(xp.all(x_new == state.x)):
            return state.replace(nit=state.nit + 1, stop=Status.STALLED, **fields,
                                 message=f"The step no longer changes x (grad_norm "
                                         f"{state.grad_norm:.2e}).")
        fun_new = problem.fun(x_new) if fun_new is None else fun_new
        g_new = problem.grad(x_new)
        if state.curvature is not None:
            state.curvature.observe(x_new, g_new)
        changes = dict(x=x_new, fun=fun_new, grad=g_new, grad_norm=norm(xp, g_new),
                       nit=state.nit + 1)
        changes.update(fields)
        return self.check_saddle(problem, state.replace(**changes))

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


def check_hess(hess):
    """Validate ``hess=``: None (the problem's Hessian), a callable (the exact Hessian), a
    model name or a SciPy ``HessianUpdateStrategy``."""
    if hess is None or callable(hess):
        return hess
    if is_model_spec(hess):
        if isinstance(hess, str) and hess not in KINDS:
            hessian_model(hess, 1)  # raises with the valid names and a suggestion
        return hess
    raise InvalidProblemError(
        f"hess must be a callable, one of {', '.join(map(repr, KINDS))} or a "
        f"scipy.optimize.HessianUpdateStrategy, got {type(hess).__name__}.")


class ExactHessian:
    """A callable ``hess(x)`` behind the Hessian-model interface (counted as the problem's
    ``hess`` oracle)."""

    def __init__(self, hess, problem):
        self._hess, self._problem = hess, problem
        self._x = None

    def observe(self, x, g):
        self._x = x

    def probe(self, grad, x, g, count, scale=None):
        """Nothing to gather (the exact Hessian is evaluated afresh): NaN."""
        return math.nan

    def dense(self):
        self._problem.counts["hess"] += 1
        return dense_hessian(np, self._hess(self._x))

    def matvec(self, v):
        return self.dense() @ v

    def eigen(self):
        import array_api_compat.numpy as xp

        return EigenModel(xp, np.asarray(self.dense()))


def curvature_source(hess, problem, n, memory):
    """The object behind ``hess=``: an :class:`ExactHessian` for a callable, else the
    Hessian model (:func:`~numopt.second_order.hessian_models.hessian_model`)."""
    if callable(hess) and not is_model_spec(hess):
        return ExactHessian(hess, problem)
    return hessian_model(hess, n, memory=memory, grad=problem.grad)
