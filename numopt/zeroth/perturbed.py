"""``zo_perturbed``: zeroth-order descent that escapes strict saddles by isotropic
perturbations and ends with a second-order check."""

import math

import numpy as np

from ..core.registry import register
from ..core.status import Status
from ..core.validate import check_int, check_positive, check_real
from .estimators import EPS
from .gd import ZOGradientDescent

RADIUS_FACTOR = 0.1  # r = 0.1 sqrt(tol): perturbation radius default, ALGORITHMS.md §6.3
ESCAPE_ITERS = 50  # iterations granted to an escape attempt (t_thres of Jin et al. 2017)
ESCAPE_DECREASE = 1e-6  # relative decrease of f that counts as an escape (f_thres, relative)
CURVATURE_TOL = 1e-5  # phi of an (eps, phi)-SOSP: curvature below -phi is a saddle
CURVATURE_STEP = EPS ** 0.25  # ~1.2e-4: second differences balance h^2 truncation, eps/h^2


@register
class ZOPerturbed(ZOGradientDescent):
    r"""Perturbed zeroth-order descent: finds approximate second-order stationary points.

    Steps are those of ``zo_gd`` with the 2m-point estimator of Ren, Tang & Li
    (``estimator="sphere"``, m = ``num_dirs``: :math:`G_m(x) = (d/m)\sum_i
    (f(x+\delta z_i) - f(x-\delta z_i))/(2\delta) z_i`, :math:`z_i` an orthonormal frame).
    When the window-averaged estimate of :math:`\|\nabla f\|` falls to ``tol`` the iterate is
    an anchor :math:`a` and an isotropic perturbation :math:`\xi \sim N(0, (r^2/d) I)` is
    added (Ren et al.; Jin et al. 2017, Alg. 2). If f then falls below
    :math:`f(a) - 10^{-6}(|f(a)| + 1)` within ``escape_iters`` iterations the anchor was a
    saddle and descent goes on; otherwise the run ends at :math:`a` after a second-order
    check: the curvature along the drift :math:`v` of the attempt,
    :math:`(f(a + h v) - 2 f(a) + f(a - h v))/h^2` (two queries), must exceed
    ``-curvature_tol``; if not, the iterate moves to the lower of :math:`a \pm r v` and descent
    goes on. The result reports ``escapes``, ``curvature_probes`` (every probe) and
    ``min_curvature`` (the final probe; NaN when the run ended before one).

    Deviation from the paper, on purpose: Ren et al. perturb every iteration; with a fixed
    radius that keeps :math:`\|\nabla f\|` near :math:`r\sqrt{\eta L}` and the run could never
    reach ``tol``, so numopt perturbs when the estimate says the point is first-order
    stationary (as Jin et al. do).

    Parameters
    ----------
    radius : float, optional
        Perturbation radius r; default ``0.1 * sqrt(tol)`` (ALGORITHMS.md §6.3).
    escape_iters : int, default 50
        Iterations granted to an escape attempt.
    curvature_tol : float, default 1e-5
        :math:`\phi`: curvature below :math:`-\phi` marks a saddle.
    step, initial_step, c1, estimator, num_dirs, mu, seed, executor, batched, window, **kwargs
        As in :class:`ZOGradientDescent` (default estimator ``"sphere"``).

    References
    ----------
    Ren, Tang & Li, "Escaping saddle points in zeroth-order optimization: the power of
    two-point estimators", ICML 2023, arXiv 2209.13555. Jin, Ge, Netrapalli, Kakade & Jordan,
    "How to escape saddle points efficiently", ICML 2017, arXiv 1703.00887, Algorithm 2.

    Examples
    --------
    From exactly the strict saddle (0, 0) of :math:`x^2 - y^2 + y^4/4`:

    >>> import numpy as np
    >>> import numopt as no
    >>> f = lambda z: float(z[0] ** 2 - z[1] ** 2 + z[1] ** 4 / 4)
    >>> res = no.minimize(f, np.zeros(2), method="zo_perturbed", tol=1e-6, seed=0)
    >>> bool(res.success), bool(np.allclose(np.abs(res.x), [0, np.sqrt(2)], atol=1e-4))
    (True, True)
    """

    name = "zo_perturbed"
    default_estimator = "sphere"
    handles = frozenset()  # the escape perturbations and curvature probes ignore bounds
    adaptive_estimator = False  # the escape test relies on the random estimates

    def __init__(self, *, radius=None, escape_iters=ESCAPE_ITERS, curvature_tol=CURVATURE_TOL,
                 **kwargs):
        super().__init__(**kwargs)
        self.radius = check_positive("radius", radius, allow_none=True)
        if self.radius is None:
            self.radius = RADIUS_FACTOR * math.sqrt(self.tol)
        self.escape_iters = check_int("escape_iters", escape_iters, low=1)
        self.curvature_tol = check_real("curvature_tol", curvature_tol, low=0.0)

    def init(self, problem, x0):
        return super().init(problem, x0).replace(escape=None, escapes=0, probes=(),
                                                 second_order=False)

    def converged(self, state):
        return state.second_order

    def step(self, problem, state):
        if state.escape is None:
            if state.grad_norm <= self.tol:
                return self.perturb(problem, state)
            return super().step(problem, state)
        new = super().step(problem, state)
        anchor, f_anchor, drift, used = state.escape
        if new.stop is not None and new.stop is not Status.LINE_SEARCH_FAILED:
            return new
        if new.fun <= f_anchor - ESCAPE_DECREASE * (abs(f_anchor) + 1.0):
            return new.replace(escape=None, escapes=state.escapes + 1, message=None)
        settled = used + 1 >= self.window and new.grad_norm <= self.tol
        if new.stop is None and used + 1 < self.escape_iters and not settled:
            return new.replace(escape=(anchor, f_anchor, drift, used + 1), message=None)
        moved = new.x - anchor
        return self.check_curvature(problem, new, anchor, f_anchor,
                                    moved if np.any(moved) else drift)

    def perturb(self, problem, state):
        """Start an escape attempt: anchor at x, move to x + xi."""
        d = state.x.shape[0]
        xi = state.rng.standard_normal(d) * (self.radius / math.sqrt(d))
        x = state.x + xi
        fx = self.evaluator(problem).one(x)
        est = self.estimate(problem, x, state.rng, fx=fx)
        norms, grad_norm = self.window_norm((), est.norm_sq)
        return state.replace(x=x, fun=fx, grad=est.grad, grad_norm=grad_norm, norms=norms,
                             nit=state.nit + 1, slope=-est.norm_sq, failures=0,
                             escape=(state.x, state.fun, xi, 0))

    def check_curvature(self, problem, state, anchor, f_anchor, direction):
        """End at the anchor if the curvature along ``direction`` is above -curvature_tol,
        else step along the negative curvature and go on."""
        v = direction / np.linalg.norm(direction)
        h = CURVATURE_STEP * max(1.0, float(np.max(np.abs(anchor))))
        f_plus, f_minus = self.evaluator(problem)(np.vstack([anchor + h * v, anchor - h * v]))
        curvature = (f_plus - 2.0 * f_anchor + f_minus) / h ** 2
        if curvature >= -self.curvature_tol:
            est = self.estimate(problem, anchor, state.rng, fx=f_anchor)
            return state.replace(x=anchor, fun=f_anchor, grad=est.grad,
                                 grad_norm=math.sqrt(est.norm_sq),
                                 probes=(*state.probes, curvature),
                                 escape=None, second_order=True,
                                 message=f"Second-order check passed (curvature {curvature:.2e} "
                                         f"along the last escape direction).")
        sign = 1.0 if f_plus <= f_minus else -1.0
        x = anchor + sign * self.radius * v
        fx = self.evaluator(problem).one(x)
        est = self.estimate(problem, x, state.rng, fx=fx)
        norms, grad_norm = self.window_norm((), est.norm_sq)
        return state.replace(x=x, fun=fx, grad=est.grad, grad_norm=grad_norm, norms=norms,
                             slope=-est.norm_sq, probes=(*state.probes, curvature), escape=None,
                             failures=0, escapes=state.escapes + 1)

    def record(self, state):
        return dict(super().record(state), escapes=state.escapes)

    def result(self, problem, state, status, history, elapsed):
        res = super().result(problem, state, status, history, elapsed)
        res["min_curvature"] = state.probes[-1] if state.probes else math.nan
        res["curvature_probes"], res["escapes"] = np.array(state.probes), int(state.escapes)
        return res
