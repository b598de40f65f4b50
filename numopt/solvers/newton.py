"""Classical Newton's method with Armijo line search (teaching baseline)."""

import numpy as np

from ..core.linesearch import Armijo
from ..core.registry import register
from ..core.solver import Solver, State
from ..core.status import Status
from .gd import _norm


@register
class Newton(Solver):
    r"""Classical Newton's method with Armijo backtracking.

    Solves :math:`\nabla^2 f(x_k) d_k = -\nabla f(x_k)` and steps
    :math:`x_{k+1} = x_k + t_k d_k`, with :math:`t_k` from backtracking starting at 1
    (Nocedal & Wright 2006, §3.3). Where the Newton direction is not a descent direction
    (singular or indefinite Hessian) the step falls back to :math:`-\nabla f` and the
    fallback is counted in ``history["fallback"]`` — never hidden. Stops at any stationary
    point, saddles included (use ``cubic_newton`` for second-order stationarity).

    Parameters
    ----------
    c1 : float, default 1e-4
        Armijo sufficient-decrease constant.
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend`` (see :class:`Solver`).

    Examples
    --------
    >>> import numopt as no
    >>> rosen = no.problems.library()["rosenbrock"]
    >>> res = no.minimize(rosen, method="newton")
    >>> bool(res.success), res.nit < 40
    (True, True)
    """

    name = "newton"
    requires = ("fun", "grad", "hess")

    def __init__(self, *, c1=1e-4, **kwargs):
        super().__init__(**kwargs)
        self.line_search = Armijo(c1=c1)

    def init(self, problem, x0):
        x, backend = self.start(problem, x0)
        g = problem.grad(x)
        return State(x=x, fun=problem.fun(x), grad=g, grad_norm=_norm(backend.xp, g), nit=0,
                     fallback=False, backend=backend)

    def step(self, problem, state):
        xp = state.backend.xp
        x, g = state.x, state.grad
        d = _newton_direction(xp, problem.hess(x), g)
        slope = None if d is None else float(xp.vecdot(g, d))
        fallback = slope is None or not slope < 0
        if fallback:
            d, slope = -g, -state.grad_norm ** 2
        t, value = self.line_search.search(
            lambda t: problem.fun(x + t * d), state.fun, slope,
            dphi=lambda t: float(xp.vecdot(problem.grad(x + t * d), d)))
        if t is None:
            return state.replace(nit=state.nit + 1, stop=Status.LINE_SEARCH_FAILED,
                                 message="Armijo backtracking failed along the Newton direction.")
        x_new = x + t * d
        if bool(xp.all(x_new == x)):
            return state.replace(nit=state.nit + 1, stop=Status.STALLED,
                                 message=f"The step no longer changes x (grad_norm "
                                         f"{state.grad_norm:.2e}).")
        g_new = problem.grad(x_new)
        return State(x=x_new, fun=value, grad=g_new, grad_norm=_norm(xp, g_new),
                     nit=state.nit + 1, fallback=fallback, backend=state.backend)

    def record(self, state):
        return dict(super().record(state), fallback=state.fallback)


def _newton_direction(xp, H, g):
    """Solve ``H d = -g`` (dense or scipy.sparse ``H``); ``None`` when ``H`` is singular."""
    if hasattr(H, "tocsc"):
        import scipy.sparse.linalg as spla

        with np.errstate(all="ignore"):
            try:
                d = spla.spsolve(H.tocsc(), -g)
            except RuntimeError:
                return None
        return d if np.all(np.isfinite(d)) else None
    try:
        d = xp.linalg.solve(H, -g)
    except np.linalg.LinAlgError:
        return None
    return d if bool(xp.all(xp.isfinite(d))) else None
