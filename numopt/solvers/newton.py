"""Classical Newton's method with Armijo line search (teaching baseline)."""

import numpy as np

from ..backend import to_numpy
from ..core.linesearch import Armijo
from ..core.registry import register
from ..second_order.base import SecondOrderSolver
from ..second_order.linalg import cholesky, dense_hessian
from ._line_step import line_search_step

SHIFT_FLOOR = 1e-3  # beta of Nocedal & Wright (2006) Alg. 3.3, relative to max |H_ii|
SHIFT_GROWTH = 10.0  # tau_{k+1} = max(10 tau_k, beta): N&W Alg. 3.3 uses 2; 10 needs fewer
# factorizations on badly scaled Hessians (Moré-Garbow-Hillstrom Wood, Brown badly scaled)
MAX_SHIFT_TRIALS = 60  # factorizations before the modification gives up


@register
class Newton(SecondOrderSolver):
    r"""Classical Newton's method with Armijo backtracking.

    Solves :math:`\nabla^2 f(x_k) d_k = -\nabla f(x_k)` and steps
    :math:`x_{k+1} = x_k + t_k d_k`, with :math:`t_k` from backtracking starting at 1
    (Nocedal & Wright 2006, §3.3). Where the Newton direction is not a descent direction
    (singular or indefinite Hessian) the Hessian is modified to :math:`H + \tau I` by
    Cholesky with an added multiple of the identity (Nocedal & Wright 2006, Alg. 3.3); the
    shift used is recorded in ``history["shift"]`` (0 for a pure Newton step) — never
    hidden. A stationary point whose Hessian has an eigenvalue below ``-curvature_tol`` ends
    the run with ``Status.SADDLE`` (``success=False``); use ``cubic_newton`` to move on to a
    second-order stationary point.

    Parameters
    ----------
    c1 : float, default 1e-4
        Armijo sufficient-decrease constant.
    hess, memory, curvature_tol
        A Hessian model instead of the problem's ``hess`` (see
        :class:`~numopt.second_order.CubicNewton`) and the saddle tolerance (default
        :math:`\sqrt{\mathrm{tol}}`).
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend`` (see :class:`Solver`).

    Examples
    --------
    >>> import numopt as no
    >>> rosen = no.problems.library()["rosenbrock"]
    >>> res = no.minimize(rosen, method="newton")
    >>> bool(res.success), res.nit < 40
    (True, True)

    On the unbounded quadratic :math:`(x^2 - y^2)/2` Newton jumps to the saddle and says so:

    >>> import numpy as np
    >>> p = no.Problem(lambda z: 0.5 * float(z[0] ** 2 - z[1] ** 2),
    ...                grad=lambda z: np.array([z[0], -z[1]]),
    ...                hess=lambda z: np.diag([1.0, -1.0]))
    >>> res = no.minimize(p, np.array([1.0, 0.0]), method="newton")
    >>> res.status_enum.name, bool(res.success), res.x
    ('SADDLE', False, array([0., 0.]))
    """

    name = "newton"
    requires = ("fun", "grad", "hess")
    detects_saddles = True

    def __init__(self, *, c1=1e-4, **kwargs):
        super().__init__(**kwargs)
        self.line_search = Armijo(c1=c1)

    def init(self, problem, x0):
        return self.check_saddle(problem, self.start_state(problem, x0, shift=0.0, step=1.0))

    def step(self, problem, state):
        xp = state.backend.xp
        g = state.grad
        curvature = state.curvature
        H = problem.hess(state.x) if curvature is None else xp.asarray(curvature.dense())
        d, shift = _newton_direction(xp, H, g), 0.0
        slope = None if d is None else float(xp.vecdot(g, d))
        if slope is None or not slope < 0:
            d, shift = _modified_newton_direction(xp, dense_hessian(xp, H), g)
            slope = float(xp.vecdot(g, d))
        new = line_search_step(problem, state, self.line_search, d, slope, 1.0, shift=shift,
                               curvature=curvature, factorizations=state.factorizations + 1)
        if getattr(new, "stop", None) is not None:
            return new
        if curvature is not None:
            curvature.observe(new.x, new.grad)
        return self.check_saddle(problem, new)

    def record(self, state):
        return dict(super().record(state), shift=state.shift, step=state.step)


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


def _modified_newton_direction(xp, H, g):
    r"""``-(H + \tau I)^{-1} g`` with the smallest :math:`\tau` of the sequence of Nocedal &
    Wright (2006) Alg. 3.3 that makes the matrix positive definite; returns ``(d, tau)``.

    A Hessian with non-finite entries gives ``(-g, inf)``: the run then meets the non-finite
    values at the next evaluation and stops with ``Status.NONFINITE``.
    """
    diagonal = np.asarray(to_numpy(xp.linalg.diagonal(H)), dtype=np.float64)  # one transfer
    if not np.all(np.isfinite(diagonal)):
        return -g, float("inf")
    beta = SHIFT_FLOOR * max(1.0, float(np.max(np.abs(diagonal))))
    tau = 0.0 if diagonal.min() > 0 else beta - diagonal.min()
    for _ in range(MAX_SHIFT_TRIALS):
        factor = cholesky(xp, H, tau)
        if factor is not None:
            return -factor.solve(g), tau
        tau = max(SHIFT_GROWTH * tau, beta)
    return -g, float("inf")
