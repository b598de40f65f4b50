"""``zo_gd``: the random gradient-free method of Nesterov and Spokoiny with backtracking."""

import math

import numpy as np

from ..core.linesearch import Armijo
from ..core.registry import register
from ..core.solver import State
from ..core.status import Status
from ..core.validate import check_choice, check_positive, check_real
from ..errors import InvalidProblemError
from .base import ZerothOrderSolver, nonfinite_stop
from .estimators import RANDOM_ESTIMATORS

STEP_GROWTH = 2.0  # next first trial = growth * last accepted step (as numopt's "gd")
ZO_MAX_BACKTRACKS = 30  # 0.5**30 ~ 1e-9: each probe is a query, so stop earlier than Armijo's 60
MAX_FAILURES = 3  # consecutive failed searches (estimate not a descent direction) before stopping
DAMPING = 0.2  # Powell's damping threshold, Nocedal & Wright (2006), Procedure 18.2
METRICS = ("identity", "bfgs")


@register
class ZOGradientDescent(ZerothOrderSolver):
    r"""Zeroth-order gradient descent (random gradient-free method :math:`RG_\mu`).

    Iterates :math:`x_{k+1} = x_k - h_k \hat g_\mu(x_k)` with a gradient estimate :math:`\hat
    g_\mu` from :func:`numopt.zeroth.estimate_grad` (Nesterov & Spokoiny 2017, §3-4). With
    ``step=None`` (default) :math:`h_k` comes from Armijo backtracking on f, started at twice
    the last accepted step, using the estimated decrease rate :math:`c \sum_i \delta_i^2 \approx
    \nabla f^T \hat g` as the slope; every probe is a counted query. With a known gradient
    Lipschitz constant L the theory step for smooth convex f is ``step = 1 / (4 (d + 4) L)``
    (ALGORITHMS.md §6.2), giving :math:`O(d L R^2/\epsilon)` queries. A failed search keeps x
    and restarts from half the first-step length (and from :math:`H = I` with ``metric="bfgs"``);
    3 failures in a row (1 for the deterministic estimators, 2 with BFGS) end the run with
    ``LINE_SEARCH_FAILED`` (the estimates are no longer descent directions: noise or
    rounding dominate; raise ``mu``).

    Stops when the root mean of the last ``window`` estimates of :math:`\|\nabla f\|^2`
    is ``<= tol``; the result's ``grad_norm`` and ``jac`` then come from a central coordinate
    estimate (2d queries, counted).

    Parameters
    ----------
    step : float, optional
        Fixed step h (no line search); None: backtracking.
    initial_step : float, default 1.0
        Length of the first trial step, ``initial_step / max(1, ||g_hat||)`` along
        :math:`-\hat g` (so a steep start does not jump across the domain; Nocedal & Wright
        2006, §3.5).
    c1 : float, default 1e-4
        Armijo constant.
    metric : {"identity", "bfgs"}, default "identity"
        ``"bfgs"`` preconditions the step with a BFGS inverse-Hessian approximation built
        from successive estimates, :math:`x_{k+1} = x_k - h_k H_k \hat g_k` (first trial
        step 1; a failed search restarts :math:`H_k = I`): finite-difference quasi-Newton,
        competitive with model-based derivative-free methods on smooth problems (Berahas,
        Byrd & Nocedal 2019). Needs ``estimator="forward"`` or ``"coordinate"``.
    estimator, num_dirs, mu, seed, executor, batched, jvp, window, **kwargs
        See :class:`numopt.zeroth.base.ZerothOrderSolver` (default estimator ``"gaussian"``).

    Returns
    -------
    Result
        ``history`` adds ``step`` and ``nfev``.

    References
    ----------
    Nesterov & Spokoiny, "Random gradient-free minimization of convex functions", Found.
    Comput. Math. 17 (2017) 527-566. Berahas, Byrd & Nocedal, "Derivative-free optimization
    of noisy functions via quasi-Newton methods", SIAM J. Optim. 29 (2019), arXiv 1803.10173.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> res = no.minimize(lambda x: float(((x - 1) ** 2).sum()), np.zeros(3), method="zo_gd",
    ...                   estimator="central", num_dirs=3, tol=1e-6, seed=0)
    >>> bool(res.success), bool(np.allclose(res.x, 1.0, atol=1e-5))
    (True, True)
    """

    name = "zo_gd"

    def __init__(self, *, step=None, initial_step=1.0, c1=1e-4, metric="identity", **kwargs):
        super().__init__(**kwargs)
        self.metric = check_choice("metric", metric, METRICS)
        if self.metric == "bfgs" and self.estimator not in ("forward", "coordinate"):
            raise InvalidProblemError(
                f"metric='bfgs' needs accurate gradient differences: use estimator='forward' "
                f"or 'coordinate' (got {self.estimator!r}), or metric='identity'."
            )
        self.fixed_step = check_positive("step", step, allow_none=True)
        self.initial_step = check_positive("initial_step", initial_step)
        self.line_search = Armijo(c1=check_real("c1", c1, low=0.0, high=1.0, low_open=True,
                                                high_open=True), max_steps=ZO_MAX_BACKTRACKS)
        self.max_failures = MAX_FAILURES if self.estimator in RANDOM_ESTIMATORS else 1
        self.max_failures += self.metric == "bfgs"  # the first failure restarts the metric

    def init(self, problem, x0):
        x, backend, rng = self.begin(problem, x0)
        est = self.estimate(problem, x, rng)
        fx = est.fx if est.fx is not None else self.evaluator(problem).one(x)
        norms, grad_norm = self.window_norm((), est.norm_sq)
        return State(x=x, fun=fx, grad=est.grad, grad_norm=grad_norm, norms=norms, nit=0,
                     step=self.initial_step / (STEP_GROWTH * max(1.0, math.sqrt(est.norm_sq))),
                     failures=0, rng=rng,
                     backend=backend, slope=-est.norm_sq, inverse=None)

    def step(self, problem, state):
        x, g = state.x, state.grad
        if not all(map(math.isfinite, g)):
            return nonfinite_stop(state, "the gradient estimate")
        x_new, f_new, step, failures = self.move(problem, state)
        inverse = state.inverse
        if x_new is None:
            if failures >= self.max_failures:
                return state.replace(nit=state.nit + 1, stop=Status.LINE_SEARCH_FAILED,
                                     message=f"{failures} backtracking searches in a row found "
                                             "no decrease along the estimate; raise mu if f "
                                             "is noisy.")
            x_new, f_new, inverse = x, state.fun, None  # a failed BFGS step restarts the metric
        est = self.estimate(problem, x_new, state.rng, fx=f_new)
        if not math.isfinite(est.norm_sq):
            return nonfinite_stop(state, "the gradient estimate at the new iterate")
        if self.metric == "bfgs" and x_new is not x:
            inverse = bfgs_update(inverse, x_new - x, est.grad - g)
        norms, grad_norm = self.window_norm(state.norms, est.norm_sq)
        return state.replace(x=x_new, fun=f_new, grad=est.grad, grad_norm=grad_norm,
                             norms=norms, nit=state.nit + 1, step=step, failures=failures,
                             slope=-est.norm_sq, inverse=inverse)

    def move(self, problem, state):
        """``(x, f, step, failures)`` after the step; ``x`` None when the search failed."""
        x, g = state.x, state.grad
        evaluate = self.evaluator(problem)
        if state.inverse is None:
            direction, slope, first = -g, state.slope, state.step * STEP_GROWTH
        else:
            direction = -(state.inverse @ g)
            slope, first = float(g @ direction), 1.0
        if self.fixed_step is not None:
            x_new = x + self.fixed_step * direction
            return x_new, evaluate.one(x_new), self.fixed_step, 0
        t, value = self.line_search.search(lambda t: evaluate.one(x + t * direction),
                                           state.fun, slope, first)
        if t is None:
            restart = self.initial_step / (STEP_GROWTH * max(1.0, math.sqrt(-state.slope)))
            return None, None, min(state.step, restart) / STEP_GROWTH, state.failures + 1
        return x + t * direction, value, t, 0

    def record(self, state):
        return dict(super().record(state), step=state.step)


def bfgs_update(inverse, s, y):
    r"""Damped BFGS update of the inverse Hessian approximation :math:`H` (Powell 1978;
    Nocedal & Wright 2006, Procedure 18.2 and eq. 6.17).

    With :math:`B = H^{-1}`, :math:`y` is replaced by :math:`r = \theta y + (1-\theta) B s`,
    :math:`\theta = 1` if :math:`s^Ty \ge 0.2\, s^TBs` and :math:`\theta = 0.8\, s^TBs /
    (s^TBs - s^Ty)` otherwise, so :math:`s^Tr > 0` and :math:`H` stays positive definite even
    when the Armijo step (no curvature condition) meets negative curvature. The first update
    starts from :math:`H_0 = (\|s\|/\|y\|) I`. Returns ``inverse`` unchanged when s or y is 0.
    """
    s_norm, y_norm = float(np.linalg.norm(s)), float(np.linalg.norm(y))
    if s_norm == 0.0 or y_norm == 0.0:
        return inverse
    if inverse is None:
        inverse = np.eye(s.size) * (s_norm / y_norm)
    Bs = np.linalg.solve(inverse, s)
    sBs, sy = float(s @ Bs), float(s @ y)
    if sy < DAMPING * sBs:
        theta = (1.0 - DAMPING) * sBs / (sBs - sy)
        y = theta * y + (1.0 - theta) * Bs
        sy = float(s @ y)
    rho = 1.0 / sy
    Hy = inverse @ y
    return (inverse - rho * (np.outer(s, Hy) + np.outer(Hy, s))
            + (rho * rho * float(y @ Hy) + rho) * np.outer(s, s))
