r"""Damped Newton with explicit step-size schedules (``damped_newton``)."""

import math

import scipy.optimize

from ..core.linesearch import Armijo
from ..core.registry import register
from ..core.status import Status
from ..core.validate import check_choice, check_positive, check_real
from .base import SecondOrderSolver
from .linalg import cholesky

SCHEDULES = ("aicn", "nesterov", "root", "universal", "greedy", "armijo")
SMOOTHNESS = 1.0  # AICN's L (semi-strong self-concordance), default of Hanzely et al. 2022
ROOT_ORDER = 3.0  # RN's Hölder order q in [2, 4] (q = 3: Lipschitz Hessian), arXiv 2405.18926
UNIVERSAL_THETA0 = 1.0  # first RN backtracking damping theta
UNIVERSAL_FACTOR = 2.0  # RN backtracking: theta grows by this on rejection, shrinks per step
GREEDY_XTOL = 1e-10  # bounded Brent tolerance of the exact line search on alpha in (0, 1]
SHIFT_RELATIVE = 1e-8  # hess_shift="auto": H + (|lambda_min| + 1e-8 ||H||) I, ALGORITHMS §1.5


@register
class DampedNewton(SecondOrderSolver):
    r"""Damped Newton with an explicit step-size schedule (AICN by default).

    .. math::

        x_{k+1} = x_k - \alpha_k \nabla^2 f(x_k)^{-1} \nabla f(x_k), \qquad
        G_k = \sqrt{\nabla f(x_k)^\top \nabla^2 f(x_k)^{-1} \nabla f(x_k)}

    (one Hessian and one Cholesky per iteration), with ``schedule``:

    * ``"aicn"``: :math:`\alpha = 2 / (1 + \sqrt{1 + 2 L G_k})` — affine-invariant cubic
      Newton, Hanzely et al., NeurIPS 2022, arXiv 2211.00140, Alg. 1 (the stable form of
      :math:`(-1 + \sqrt{1 + 2LG})/(LG)`); global :math:`O(k^{-2})`, local quadratic.
    * ``"nesterov"``: :math:`\alpha = 1/(1 + G_k)` — Nesterov's damped Newton for
      self-concordant functions (Lectures on Convex Optimization 2018, eq. 5.1.28).
    * ``"root"``: :math:`\theta = (9M)^{1/(q-1)} G_k^{(q-2)/(q-1)}`,
      :math:`\alpha = 1/(1+\theta)` — RN schedule, Hanzely, Abdukhakimov & Takáč,
      arXiv 2405.18926 (global rates up to :math:`O(k^{-3})`).
    * ``"universal"``: RN backtracking on the smoothness constant (for unknown constants):
      :math:`\theta` grows by 2 until
      :math:`\langle\nabla f(x^+), n_k\rangle \ge \|\nabla f(x^+)\|_{x_k}^{*2} / (2\alpha\theta)`,
      and shrinks by 2 at the next iteration (arXiv 2405.18926).
    * ``"greedy"``: exact line search :math:`\arg\min_{\alpha \in (0, 1]} f(x - \alpha n_k)`
      (bounded Brent; arXiv 2405.18926 gives its rate).
    * ``"armijo"``: backtracking from 1 (Nocedal & Wright 2006, Alg. 3.1), teaching baseline.

    The explicit schedules assume a convex objective. Where the Hessian is not positive
    definite, ``hess_shift="auto"`` (default) uses
    :math:`H + (|\lambda_{min}| + 10^{-8}\|H\|) I` instead (a descent direction) and records
    the shift in ``history["hess_shift"]``; with ``hess_shift=None`` the run stops with
    ``success=False`` (``INNER_FAILED``) naming the smallest eigenvalue. At a point with
    :math:`\|\nabla f\| \le` ``tol`` whose Hessian has an eigenvalue below
    ``-curvature_tol`` the run stops with ``Status.SADDLE`` (not a minimizer).

    Defaults chosen by measurement (``numopt bench --only general``, exact Hessians, the
    classic library at :math:`\|\nabla f\| \le 10^{-6}`, shift ``"auto"``): ``"armijo"``
    solves 28 of 30, ``"universal"`` 26, ``"greedy"`` 25, ``"aicn"`` and ``"root"`` 20,
    ``"nesterov"`` 18; with ``"armijo"`` and the shift the method is globally convergent on
    nonconvex functions (a gradient-related descent direction and sufficient decrease,
    Nocedal & Wright 2006, Thm. 3.2 and §3.4).

    Parameters
    ----------
    schedule : {"aicn", "nesterov", "root", "universal", "greedy", "armijo"}, default "armijo"
    smoothness : float, default 1.0
        AICN's :math:`L` (``"aicn"``) or RN's :math:`M_q` (``"root"``).
    order : float, default 3.0
        RN's Hölder order :math:`q \in [2, 4]` (``"root"``).
    hess_shift : {"auto", None}, default "auto"
        What to do with an indefinite Hessian (see above).
    hess, memory, curvature_tol
        A Hessian model instead of the problem's ``hess`` (see :class:`CubicNewton`), and the
        saddle tolerance (default :math:`\sqrt{\mathrm{tol}}`).
    max_trials : int, default 40
        Backtracking trials per iteration (``"universal"``).
    **kwargs
        ``tol``, ``max_iter``, ``max_time``, ``max_fev``, ``backend`` (see
        :class:`numopt.Solver`).

    Raises
    ------
    InvalidProblemError
        Unknown schedule, bad constants, or a problem without ``hess``.

    Examples
    --------
    >>> import numpy as np
    >>> import numopt as no
    >>> A = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.0]]); y = np.array([1.0, -1.0, 1.0])
    >>> p = no.problems.LogisticRegression(A, y, l2=0.1)
    >>> res = no.minimize(p, np.zeros(2), method="damped_newton")
    >>> bool(res.success), res.grad_norm <= 1e-8, res.factorizations == res.nhev
    (True, True, True)
    """

    name = "damped_newton"
    detects_saddles = True

    def __init__(self, *, schedule="armijo", smoothness=SMOOTHNESS, order=ROOT_ORDER,
                 hess_shift="auto", **kwargs):
        super().__init__(**kwargs)
        self.schedule = check_choice("schedule", schedule, SCHEDULES)
        self.smoothness = check_positive("smoothness", smoothness)
        self.order = check_real("order", order, low=2.0, high=4.0)
        self.hess_shift = check_choice("hess_shift", hess_shift, (None, "auto"))
        self.armijo = Armijo()

    def init(self, problem, x0):
        return self.check_saddle(problem, self.start_state(
            problem, x0, alpha=math.nan, shift=0.0, theta=UNIVERSAL_THETA0 * UNIVERSAL_FACTOR))

    def step(self, problem, state):
        xp = state.backend.xp
        H = self.hessian(problem, state)
        bad = self.nonfinite_hessian(state, H)
        if bad is not None:
            return bad
        factor, shift = cholesky(xp, H), 0.0
        count = state.factorizations + 1
        if factor is None:
            lam_min, lam_max = _extreme_eigenvalues(xp, H)
            if self.hess_shift is None:
                return self.failed(state, factorizations=count, message=(
                    f"The Hessian is not positive definite at iteration {state.nit} (smallest "
                    f"eigenvalue {lam_min:.3g}); damped_newton's schedules assume a convex "
                    "objective. Pass hess_shift='auto' to shift the Hessian, or use "
                    "cubic_newton (non-convex)."))
            shift = -lam_min + SHIFT_RELATIVE * max(abs(lam_min), abs(lam_max), 1.0)
            factor, count = cholesky(xp, H, shift), count + 1
            if factor is None:
                return self.failed(state, factorizations=count, message=(
                    f"The shifted Hessian (shift {shift:.3g}) is still not positive definite."))
        newton = factor.solve(state.grad)
        decrement = math.sqrt(max(float(xp.vecdot(state.grad, newton)), 0.0))
        fields = dict(factorizations=count, shift=shift)
        if self.schedule == "universal":
            return self._universal(problem, state, factor, newton, fields)
        if self.schedule == "armijo":
            return self._armijo(problem, state, newton, decrement, fields)
        if self.schedule == "greedy":
            alpha = _exact_step(lambda a: problem.fun(state.x - float(a) * newton))
        else:
            alpha = self._explicit_step(decrement)
        return self.moved(problem, state, state.x - alpha * newton, alpha=alpha, **fields)

    def _explicit_step(self, decrement):
        if self.schedule == "aicn":
            return 2.0 / (1.0 + math.sqrt(1.0 + 2.0 * self.smoothness * decrement))
        if self.schedule == "nesterov":
            return 1.0 / (1.0 + decrement)
        q = self.order  # "root"
        theta = (9.0 * self.smoothness) ** (1.0 / (q - 1.0)) * decrement ** ((q - 2.0) / (q - 1.0))
        return 1.0 / (1.0 + theta)

    def _universal(self, problem, state, factor, newton, fields):
        xp = state.backend.xp
        theta = state.theta / UNIVERSAL_FACTOR
        for _ in range(self.max_trials):
            alpha = 1.0 / (1.0 + theta)
            x_new = state.x - alpha * newton
            g_new = problem.grad(x_new)
            lhs = float(xp.vecdot(g_new, newton))
            rhs = factor.dual_norm_sq(g_new) / (2.0 * alpha * theta)
            if math.isfinite(lhs) and math.isfinite(rhs) and lhs >= rhs:
                return self.moved(problem, state, x_new, alpha=alpha, theta=theta, **fields)
            theta *= UNIVERSAL_FACTOR
        return self.failed(state, message=(
            f"RN backtracking found no damping in {self.max_trials} trials (theta reached "
            f"{theta:.3g}); raise max_trials or check the derivatives."), **fields)

    def _armijo(self, problem, state, newton, decrement, fields):
        xp = state.backend.xp
        x = state.x
        alpha, value = self.armijo.search(
            lambda t: problem.fun(x - t * newton), state.fun, -decrement ** 2,
            dphi=lambda t: -float(xp.vecdot(problem.grad(x - t * newton), newton)))
        if alpha is None:
            return self.failed(state, status=Status.LINE_SEARCH_FAILED, message=(
                "Armijo backtracking failed along the Newton direction."), **fields)
        return self.moved(problem, state, x - alpha * newton, value, alpha=alpha, **fields)

    def record(self, state):
        return dict(super().record(state), alpha=state.alpha, hess_shift=state.shift)


def _extreme_eigenvalues(xp, H):
    values = xp.linalg.eigvalsh(H)
    return float(xp.min(values)), float(xp.max(values))


def _exact_step(phi):
    """``argmin_{alpha in (0, 1]} phi(alpha)`` by bounded Brent (never returns 0)."""
    found = scipy.optimize.minimize_scalar(phi, bounds=(0.0, 1.0), method="bounded",
                                           options={"xatol": GREEDY_XTOL})
    alpha = float(found.x)
    return alpha if alpha > 0.0 and phi(alpha) <= phi(1.0) else 1.0
