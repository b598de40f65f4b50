"""``zo_accelerated``: randomized smoothing plus a mini-batched accelerated method for
non-smooth convex functions (Gasnikov et al.)."""

import math

from ..core.registry import register
from ..core.solver import State
from ..core.status import Status
from ..core.validate import check_int, check_positive
from .base import ZerothOrderSolver, nonfinite_stop

SMOOTHING_FACTOR = 1e-3  # default gamma = 1e-3 max(1, ||x0||_inf) (pass smoothing=eps/(2M))
STALL_WINDOW = 100  # iterations over which the best f must improve by more than tol
STALL_MESSAGE = (f"The best f improved by at most tol * (|f| + 1) over {STALL_WINDOW} "
                 "iterations; lower smoothing for more accuracy, or loosen tol.")


@register
class ZOAccelerated(ZerothOrderSolver):
    r"""Accelerated zeroth-order method for (non-smooth) convex functions.

    Minimizes the ball smoothing :math:`f_\gamma(x) = E_{e \sim U(B_2)} f(x + \gamma e)`
    (:math:`0 \le f_\gamma - f \le \gamma M` for M-Lipschitz f, :math:`\nabla f_\gamma`
    Lipschitz with :math:`L_\gamma = \sqrt d M/\gamma`) by the similar-triangles method
    with mini-batched two-point estimates (Gasnikov et al. 2022, §2-3):

    .. math::

        \alpha_{k+1} = \frac{k + 2}{2 L_\gamma},\quad A_{k+1} = A_k + \alpha_{k+1},\quad
        y_k = \frac{\alpha_{k+1} u_k + A_k x_k}{A_{k+1}},\\
        u_{k+1} = u_k - \alpha_{k+1} \hat g(y_k),\quad
        x_{k+1} = \frac{\alpha_{k+1} u_{k+1} + A_k x_k}{A_{k+1}},

    where :math:`\hat g = (d/B) \sum_{i=1}^B (f(y + \gamma e_i) - f(y - \gamma e_i))/(2\gamma)
    e_i` averages B two-point sphere estimates (``num_dirs = B``, orthogonal in blocks of d; the
    2B queries of one iteration run in parallel on ``executor``). With :math:`\gamma =
    \epsilon/(2M)` and :math:`B \approx d^{3/4} M R/\epsilon` this needs :math:`O(d^{1/4} M
    R/\epsilon)` iterations and :math:`O(d M^2 R^2/\epsilon^2)` queries. The momentum restarts
    (``A = 0``, ``u = x``) whenever :math:`\hat g(y_k)^T (x_{k+1} - x_k) > 0` (gradient restart,
    O'Donoghue & Candès 2015, arXiv 1204.3982, §3.2: it needs no value of the non-smooth f),
    which also gives the restarts that strongly convex f needs. M is estimated at x0 by
    :math:`\|\hat g(x_0)\|` unless given (1 if that is 0). Each iteration also queries
    :math:`f(x_{k+1})` (counted). The run succeeds when the window average of :math:`\|\hat g\|`
    (an estimate of :math:`\|\nabla f_\gamma\|`) is ``<= tol``, and ends with ``STALLED`` when
    the best f improves by at most ``tol * (|f| + 1)`` over 100 iterations.

    Parameters
    ----------
    smoothing : float, optional
        :math:`\gamma`; default ``1e-3 * max(1, ||x0||_inf)``. For accuracy ε take
        ``eps / (2 M)``; with noise of size sigma keep it well above sigma.
    lipschitz : float, optional
        M, the Lipschitz constant of f; estimated when None.
    num_dirs : int, optional
        Batch size B (default d).
    estimator, mu, seed, executor, batched, jvp, window, **kwargs
        See :class:`numopt.zeroth.base.ZerothOrderSolver` (default ``"sphere"``; ``mu``, if
        given, is taken as ``smoothing``).

    References
    ----------
    Gasnikov, Novitskii, Novitskii, Abdukhakimov, Kamzolov, Beznosikov, Takáč, Dvurechensky &
    Gu, "The power of first-order smooth optimization for black-box non-smooth problems",
    ICML 2022, arXiv 2201.12289.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> f = lambda x: float(np.abs(x - 1).sum())
    >>> res = no.minimize(f, np.zeros(4), method="zo_accelerated", smoothing=1e-3,
    ...                   tol=1e-6, seed=0)
    >>> bool(res.success), bool(res.fun < 1e-6)
    (True, True)
    """

    name = "zo_accelerated"
    default_estimator = "sphere"

    def __init__(self, *, smoothing=None, lipschitz=None, num_dirs=None, **kwargs):
        super().__init__(num_dirs=1 if num_dirs is None else num_dirs, **kwargs)
        self.batch_size = check_int("num_dirs", num_dirs, low=1, allow_none=True)
        self.smoothing = check_positive("smoothing", smoothing, allow_none=True)
        self.lipschitz = check_positive("lipschitz", lipschitz, allow_none=True)

    def init(self, problem, x0):
        x, backend, rng = self.begin(problem, x0)
        d = x.shape[0]
        batch = self.batch_size or d
        gamma = self.smoothing or self.mu or SMOOTHING_FACTOR * max(1.0, float(abs(x).max()))
        est = self.estimate(problem, x, rng, mu=gamma, num_dirs=batch)
        lipschitz = self.lipschitz or math.sqrt(est.norm_sq) or 1.0
        fx = self.evaluator(problem).one(x)
        norms, grad_norm = self.window_norm((), est.norm_sq)
        return State(x=x, u=x, weight=0.0, phase=0, restarts=0, fun=fx, best=(fx,), grad=est.grad,
                     grad_norm=grad_norm, norms=norms, nit=0, rng=rng, backend=backend,
                     gamma=gamma, batch=batch, smooth_lipschitz=math.sqrt(d) * lipschitz / gamma)

    def step(self, problem, state):
        j, x, u, A = state.phase, state.x, state.u, state.weight
        alpha = (j + 2) / (2.0 * state.smooth_lipschitz)
        A_new = A + alpha
        y = (alpha * u + A * x) / A_new
        est = self.estimate(problem, y, state.rng, mu=state.gamma, num_dirs=state.batch)
        if not all(map(math.isfinite, est.grad)):
            return nonfinite_stop(state, "the gradient estimate")
        u_new = u - alpha * est.grad
        x_new = (alpha * u_new + A * x) / A_new
        fx = self.evaluator(problem).one(x_new)
        restart = float(est.grad @ (x_new - x)) > 0.0  # gradient restart (see the docstring)
        norms, grad_norm = self.window_norm(state.norms, est.norm_sq)
        best = (*state.best, min(fx, state.best[-1]))[-STALL_WINDOW - 1:]
        stalled = len(best) > STALL_WINDOW and best[0] - best[-1] <= self.tol * (abs(fx) + 1)
        return state.replace(x=x_new, u=x_new if restart else u_new,
                             weight=0.0 if restart else A_new, phase=0 if restart else j + 1,
                             restarts=state.restarts + restart, fun=fx, grad=est.grad,
                             grad_norm=grad_norm, norms=norms, nit=state.nit + 1, best=best,
                             stop=Status.STALLED if stalled else None,
                             message=STALL_MESSAGE if stalled else None)

    def record(self, state):
        return dict(super().record(state), best_fun=state.best[-1], restarts=state.restarts)
